"""The 40 categories of the procedural world (ModelNet40's class names, label = index) and their
WordNet 3.0 hypernym chains, typed in as data.

Each :class:`Category` carries

* ``taxonomy``: the hypernym chain **root → category**, ``("entity", "physical_entity", "object",
  "whole", "artifact", ..., "chair")``. Every node above the category is a WordNet 3.0 noun synset
  (named by its first lemma) and each is the direct hypernym of the next: the chains were checked
  against the ``data.noun`` file of WordNet 3.0. The last entry is the ModelNet class name; where
  WordNet files the object under another lemma or has no synset for it, ``synset`` says what the
  last node hangs from:

  - ``bookshelf``: ModelNet's bookshelves are free-standing bookcases, so the chain is that of
    ``bookcase.n.01`` (``furniture``), not ``bookshelf.n.01`` ("a shelf", under ``device``);
  - ``dresser`` = ``chest_of_drawers.n.01`` (lemma *dresser*), ``flower_pot`` = ``flowerpot.n.01``,
    ``radio`` = ``radio_receiver.n.01``, ``keyboard`` = ``keyboard.n.01``, ``monitor`` =
    ``monitor.n.04`` (a display), ``lamp`` = ``lamp.n.02`` (furniture), ``plant`` = ``plant.n.02``;
  - not in WordNet 3.0, attached as hyponyms of a real synset: ``night_stand`` and ``tv_stand``
    under ``stand.n.04`` ("a small table for holding articles"), ``glass_box`` under ``box.n.01``,
    ``xbox`` under ``electronic_equipment.n.01``.

* ``group``: the level-1 node used in captions ("a piece of furniture"); always a node of the chain.
* ``subtypes``: the discrete sub-types below the category (noun phrases, e.g. ``"office chair"``).
* ``synonyms``: nouns a level-2 caption may use for the category (WordNet lemmas of the synset
  first, then common names), the category's own noun first.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Category", "CATEGORIES", "CATEGORY_NAMES", "GROUPS", "GROUP_PHRASES", "ROOT", "get_category", "category_label"]

ROOT = "entity"

_PE = ("entity", "physical_entity", "object", "whole")
_ART = _PE + ("artifact",)
_INSTR = _ART + ("instrumentality",)
_FURN = _INSTR + ("furnishing", "furniture")
_SEAT = _FURN + ("seat",)
_TABLE = _FURN + ("table",)
_CONT = _INSTR + ("container",)
_VESSEL = _CONT + ("vessel",)
_DEVICE = _INSTR + ("device",)
_MUSIC = _DEVICE + ("musical_instrument",)
_ELEC = _INSTR + ("equipment", "electronic_equipment")
_FIX = _ART + ("fixture", "plumbing_fixture")
_ORG = _PE + ("living_thing", "organism")


@dataclass(frozen=True)
class Category:
    """One category: ``name`` (ModelNet40 spelling), ``label`` (index), ``taxonomy`` (root → name),
    ``subtypes``, level-1 ``group`` (a node of ``taxonomy``), ``synonyms`` (first = own noun),
    ``synset`` (the WordNet synset the last node is, or hangs from)."""

    name: str
    label: int
    taxonomy: tuple[str, ...]
    subtypes: tuple[str, ...]
    group: str
    synonyms: tuple[str, ...]
    synset: str

    @property
    def noun(self) -> str:
        """The category's own noun in captions (``"flower pot"``)."""
        return self.synonyms[0]

    @property
    def depth(self) -> int:
        """Number of hypernyms above the category in ``taxonomy``."""
        return len(self.taxonomy) - 1


# name, chain above the category, subtypes, group, synonyms, synset
_DATA = [
    ("airplane", _INSTR + ("conveyance", "vehicle", "craft", "aircraft", "heavier-than-air_craft"),
     ("airliner", "fighter jet", "propeller plane"), "vehicle",
     ("airplane", "aeroplane", "plane", "aircraft"), "airplane.n.01"),
    ("bathtub", _VESSEL, ("built-in bathtub", "freestanding bathtub", "clawfoot bathtub"), "container",
     ("bathtub", "tub", "bath", "bathing tub"), "bathtub.n.01"),
    ("bed", _FURN + ("bedroom_furniture",), ("single bed", "double bed", "bunk bed"), "furniture",
     ("bed",), "bed.n.01"),
    ("bench", _SEAT, ("park bench", "backless bench", "storage bench"), "furniture",
     ("bench", "seating bench"), "bench.n.01"),
    ("bookshelf", _FURN, ("closed bookcase", "open bookcase", "ladder shelf"), "furniture",
     ("bookshelf", "bookcase", "book shelf", "shelving unit"), "bookcase.n.01"),
    ("bottle", _VESSEL, ("wine bottle", "water bottle", "jug"), "container",
     ("bottle",), "bottle.n.01"),
    ("bowl", _VESSEL, ("soup bowl", "serving bowl", "footed bowl"), "container",
     ("bowl", "dish"), "bowl.n.01"),
    ("car", _INSTR + ("conveyance", "vehicle", "wheeled_vehicle", "self-propelled_vehicle", "motor_vehicle"),
     ("sedan", "hatchback", "pickup truck"), "vehicle",
     ("car", "automobile", "auto", "motorcar"), "car.n.01"),
    ("chair", _SEAT, ("armchair", "office chair", "dining chair"), "furniture",
     ("chair",), "chair.n.01"),
    ("cone", _ART, ("traffic cone", "plain cone", "party hat"), "artifact",
     ("cone", "conical object"), "cone.n.01"),
    ("cup", _CONT, ("mug", "teacup", "paper cup"), "container",
     ("cup", "drinking cup"), "cup.n.01"),
    ("curtain", _ART + ("covering", "protective_covering", "blind"),
     ("single curtain", "pair of curtains", "tied-back curtains"), "covering",
     ("curtain", "drape", "drapery"), "curtain.n.01"),
    ("desk", _TABLE, ("writing desk", "pedestal desk", "computer desk"), "furniture",
     ("desk", "writing table"), "desk.n.01"),
    ("door", _ART + ("structure", "obstruction", "barrier", "movable_barrier"),
     ("panel door", "glass door", "double door"), "structure",
     ("door",), "door.n.01"),
    ("dresser", _FURN, ("low dresser", "tall chest of drawers", "dresser with mirror"), "furniture",
     ("dresser", "chest of drawers", "bureau", "chest"), "chest_of_drawers.n.01"),
    ("flower_pot", _CONT, ("tapered flower pot", "cylindrical planter", "square planter"), "container",
     ("flower pot", "flowerpot", "plant pot", "planter"), "flowerpot.n.01"),
    ("glass_box", _CONT + ("box",), ("display case", "aquarium", "lidded glass box"), "container",
     ("glass box", "glass case", "glass container"), "box.n.01 (hyponym added)"),
    ("guitar", _MUSIC + ("stringed_instrument",), ("acoustic guitar", "electric guitar", "bass guitar"),
     "musical_instrument", ("guitar",), "guitar.n.01"),
    ("keyboard", _DEVICE, ("full-size keyboard", "compact keyboard", "ergonomic keyboard"), "device",
     ("keyboard", "computer keyboard", "keypad"), "keyboard.n.01"),
    ("lamp", _FURN, ("desk lamp", "floor lamp", "table lamp"), "furniture",
     ("lamp", "light"), "lamp.n.02"),
    ("laptop", _DEVICE + ("machine", "computer", "digital_computer", "personal_computer", "portable_computer"),
     ("ultrabook", "standard laptop", "gaming laptop"), "device",
     ("laptop", "laptop computer", "notebook computer"), "laptop.n.01"),
    ("mantel", _DEVICE + ("support", "shelf"), ("classic mantel", "modern mantel", "column mantel"), "device",
     ("mantel", "mantelpiece", "chimneypiece", "fireplace mantel"), "mantel.n.01"),
    ("monitor", _DEVICE + ("electronic_device", "display"),
     ("flat-panel monitor", "CRT monitor", "curved monitor"), "device",
     ("monitor", "computer monitor", "display", "screen"), "monitor.n.04"),
    ("night_stand", _TABLE + ("stand",), ("drawer nightstand", "open-shelf nightstand", "cabinet nightstand"),
     "furniture", ("night stand", "nightstand", "bedside table", "night table"), "stand.n.04 (hyponym added)"),
    ("person", _ORG, ("standing person", "walking person", "waving person"), "organism",
     ("person", "human", "human figure", "individual"), "person.n.01"),
    ("piano", _MUSIC + ("keyboard_instrument",), ("upright piano", "grand piano", "digital piano"),
     "musical_instrument", ("piano", "pianoforte"), "piano.n.01"),
    ("plant", _ORG, ("leafy houseplant", "potted palm", "cactus"), "organism",
     ("plant", "houseplant", "potted plant"), "plant.n.02"),
    ("radio", _ELEC + ("set", "receiver"), ("portable radio", "vintage radio", "clock radio"),
     "electronic_equipment", ("radio", "radio receiver", "radio set", "wireless"), "radio_receiver.n.01"),
    ("range_hood", _ART + ("covering", "hood"), ("chimney hood", "island hood", "under-cabinet hood"),
     "covering", ("range hood", "cooker hood", "exhaust hood", "kitchen hood"), "range_hood.n.01"),
    ("sink", _FIX, ("pedestal sink", "vanity sink", "kitchen sink"), "plumbing_fixture",
     ("sink", "washbasin", "basin"), "sink.n.01"),
    ("sofa", _SEAT, ("loveseat", "three-seat sofa", "sectional sofa"), "furniture",
     ("sofa", "couch", "settee", "lounge"), "sofa.n.01"),
    ("stairs", _ART + ("way", "stairway"), ("straight staircase", "spiral staircase", "L-shaped staircase"),
     "artifact", ("stairs", "staircase", "stairway", "flight of steps", "steps"), "stairs.n.01"),
    ("stool", _SEAT, ("bar stool", "step stool", "three-legged stool"), "furniture",
     ("stool",), "stool.n.01"),
    ("table", _FURN, ("round table", "rectangular table", "coffee table"), "furniture",
     ("table",), "table.n.02"),
    ("tent", _ART + ("structure", "shelter"), ("dome tent", "A-frame tent", "teepee"), "structure",
     ("tent",), "tent.n.01"),
    ("toilet", _FIX, ("two-piece toilet", "wall-hung toilet", "high-tank toilet"), "plumbing_fixture",
     ("toilet", "commode", "lavatory", "flush toilet"), "toilet.n.02"),
    ("tv_stand", _TABLE + ("stand",), ("open-shelf TV stand", "cabinet TV stand", "corner TV stand"),
     "furniture", ("TV stand", "television stand", "TV console", "media console"), "stand.n.04 (hyponym added)"),
    ("vase", _VESSEL + ("jar",), ("round vase", "cylindrical vase", "amphora"), "container",
     ("vase",), "vase.n.01"),
    ("wardrobe", _FURN, ("single-door wardrobe", "double-door wardrobe", "wardrobe with drawers"), "furniture",
     ("wardrobe", "armoire", "closet", "clothes cabinet"), "wardrobe.n.01"),
    ("xbox", _ELEC, ("tower console", "slim console", "original console"), "electronic_equipment",
     ("xbox", "game console", "video game console", "gaming console"), "electronic_equipment.n.01 (hyponym added)"),
]

#: Level-1 caption phrases of each group (a node of the WordNet chain).
GROUP_PHRASES: dict[str, tuple[str, ...]] = {
    "furniture": ("a piece of furniture", "an item of furniture", "some furniture", "a furniture item"),
    "container": ("a container", "a receptacle", "some kind of container", "a vessel for holding things"),
    "vehicle": ("a vehicle", "a means of transport", "a conveyance", "some kind of vehicle"),
    "musical_instrument": ("a musical instrument", "an instrument for making music", "an instrument",
                           "a music instrument"),
    "device": ("a device", "some kind of device", "a man-made device", "an apparatus"),
    "electronic_equipment": ("a piece of electronic equipment", "an electronic device", "some electronic equipment",
                             "an electronic appliance"),
    "structure": ("a structure", "a construction", "a built structure", "some kind of structure"),
    "covering": ("a covering", "a cover", "some kind of covering", "a protective covering"),
    "plumbing_fixture": ("a plumbing fixture", "a bathroom fixture", "a fixture", "a sanitary fixture"),
    "organism": ("a living thing", "an organism", "a living being", "a life form"),
    "artifact": ("an artifact", "a man-made object", "a human-made artifact", "a manufactured object"),
}

CATEGORIES: list[Category] = [
    Category(name=n, label=i, taxonomy=tuple(chain) + (n,), subtypes=tuple(st), group=g, synonyms=tuple(syn), synset=ss)
    for i, (n, chain, st, g, syn, ss) in enumerate(_DATA)
]
CATEGORY_NAMES: tuple[str, ...] = tuple(c.name for c in CATEGORIES)
#: The level-1 groups, in order of first appearance.
GROUPS: tuple[str, ...] = tuple(dict.fromkeys(c.group for c in CATEGORIES))

_BY_NAME = {c.name: c for c in CATEGORIES}


def category_label(category) -> int:
    """The label (0..39) of a category given by name or label; ``ValueError`` listing the valid values."""
    if isinstance(category, str):
        if category in _BY_NAME:
            return _BY_NAME[category].label
    elif isinstance(category, (int,)) or (hasattr(category, "__index__") and not isinstance(category, (bool, float))):
        if not isinstance(category, bool):
            k = int(category.__index__())
            if 0 <= k < len(CATEGORIES):
                return k
    raise ValueError(
        f"unknown category {category!r}; valid categories are a label 0..{len(CATEGORIES) - 1} "
        f"or one of: {', '.join(CATEGORY_NAMES)}"
    )


def get_category(category) -> Category:
    """The :class:`Category` for a name or label (see :func:`category_label`)."""
    return CATEGORIES[category_label(category)]
