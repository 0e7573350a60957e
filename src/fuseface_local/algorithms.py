"""The console's fusion algorithms (local engine, emulator materials and CLI only; FuseFace's API has no field
for them: a material's algorithm is chosen in the console).

``RECOMMENDED_LEVELS`` are the FuseFaceDegree/FuseProfileDegree levels offered per algorithm;
``DEFAULT_DEGREE`` is a new material's console default (``faceswap`` ignores both degrees).
"""

ALGORITHMS = ("faceswap", "reinvent", "redefine")
RECOMMENDED_LEVELS = {"reinvent": (10, 20, 30, 50, 70), "redefine": (30, 40, 50, 60, 70), "faceswap": ()}
DEFAULT_DEGREE = {"reinvent": 30, "redefine": 50, "faceswap": 0}
# The console's names of the three algorithms (素材使用相关 FAQ, product/1007/31028).
CONSOLE_NAMES = {"faceswap": "换脸版", "reinvent": "优享版", "redefine": "畅享版"}
