"""scf-fuseface: Tencent Cloud SCF + FuseFace, with an offline local cloud."""

__version__ = "0.1.0"
