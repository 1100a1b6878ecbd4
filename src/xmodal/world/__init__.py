"""The procedural 3D world: 40 categories with ModelNet40's names, their WordNet taxonomy, parametric
shapes with appearance attributes and five-level captions, and (from :mod:`.render`) the renderer."""
from .captions import LEVELS, make_captions
from .shapes import (
    ATTRIBUTE_NAMES,
    ATTRIBUTE_VALUES,
    COLOUR_RGB,
    COLOURS,
    HEIGHTS,
    MATERIAL_PROPS,
    MATERIALS,
    WIDTHS,
    Shape,
    build_mesh,
    encode_attributes,
    make_shape,
    sample_surface,
)
from .taxonomy import CATEGORIES, CATEGORY_NAMES, GROUP_PHRASES, GROUPS, Category, category_label, get_category

__all__ = [
    "CATEGORIES", "CATEGORY_NAMES", "Category", "GROUPS", "GROUP_PHRASES", "get_category", "category_label",
    "Shape", "make_shape", "build_mesh", "sample_surface", "encode_attributes", "make_captions", "LEVELS",
    "ATTRIBUTE_NAMES", "ATTRIBUTE_VALUES", "COLOURS", "COLOUR_RGB", "MATERIALS", "MATERIAL_PROPS", "HEIGHTS", "WIDTHS",
    "render", "project", "Rendering", "LAYOUTS",
]

_RENDER_NAMES = ("render", "project", "Rendering", "LAYOUTS")

try:  # the renderer lives in its own module (xmodal.world.render), imported last: it may use the names above
    from .render import LAYOUTS, Rendering, project, render
except ModuleNotFoundError as e:  # pragma: no cover - only while render.py does not exist yet
    if e.name != f"{__name__}.render":
        raise

    def __getattr__(name):
        if name in _RENDER_NAMES:
            import importlib

            mod = importlib.import_module(".render", __name__)
            for n in _RENDER_NAMES:
                globals()[n] = getattr(mod, n)
            return globals()[name]
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
