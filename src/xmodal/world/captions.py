"""Captions of a shape at five levels of the hierarchy, several paraphrases each.

====  ===========================================  ===========================================
lvl   content                                      example
====  ===========================================  ===========================================
0     the root: any object                         "an object"
1     the level-1 WordNet group                    "a piece of furniture"
2     the category (its noun or a synonym)         "a couch"
3     sub-type + a random subset of attributes     "a red leather three-seat sofa"
4     a detailed, Cap3D-like sentence mixing       "A low-backed grey fabric loveseat with two
      geometric and appearance attributes           seat cushions and rolled arms."
====  ===========================================  ===========================================

Captions are drawn from templates, synonyms and random subsets of the attributes with the instance's
own generator, so they are not a function of the label alone; colour and material (levels 3-4) are
visible in renders but absent from the geometry.
"""
from __future__ import annotations

import re

import numpy as np

from .taxonomy import GROUP_PHRASES, Category

__all__ = ["LEVELS", "LEVEL0", "MATERIAL_ADJECTIVES", "MATERIAL_NOUNS", "make_captions", "with_article", "join_details"]

LEVELS = (0, 1, 2, 3, 4)
LEVEL0 = ("an object", "a thing", "an item")

MATERIAL_ADJECTIVES = {"wood": "wooden", "metal": "metal", "plastic": "plastic", "glass": "glass", "ceramic": "ceramic",
                       "fabric": "fabric", "leather": "leather", "stone": "stone", "paper": "paper", "rubber": "rubber"}
MATERIAL_NOUNS = {"wood": "wood", "metal": "metal", "plastic": "plastic", "glass": "glass", "ceramic": "ceramic",
                  "fabric": "fabric", "leather": "leather", "stone": "stone", "paper": "paper", "rubber": "rubber"}

_AN_LETTERS = set("AEFHILMNORSX")
#: Plural heads take a collective instead of a/an ("a flight of stone stairs", "a set of tied-back curtains").
_PLURAL_HEADS = {"stairs": "a flight of", "steps": "a flight of", "curtains": "a set of"}
#: Synonyms that do not read well inside a sub-type phrase ("traffic conical object").
_NO_SWAP = {"conical object", "individual", "lounge", "wireless", "human"}


def with_article(phrase: str) -> str:
    """``"armchair" -> "an armchair"``, ``"L-shaped staircase" -> "an L-shaped staircase"``, ``"TV stand" -> "a TV stand"``,
    ``"stone stairs" -> "a flight of stone stairs"``."""
    words = phrase.split()
    for i, w in enumerate(words):
        if w in _PLURAL_HEADS:
            if "of" not in words[:i]:
                return f"{_PLURAL_HEADS[w]} {phrase}"
            break
    first = words[0]
    head = first.split("-")[0]
    if (len(head) == 1 and head.isupper()) or head.isupper() and len(head) <= 4:
        an = head[0] in _AN_LETTERS
    elif first.lower().startswith(("xbox",)):
        an = True
    elif first.lower().startswith(("one", "uni", "use", "eu", "u-")):
        an = False
    else:
        an = first[0].lower() in "aeiou"
    return ("an " if an else "a ") + phrase


def join_details(details) -> str:
    """Join detail phrases; consecutive ``"with X"`` phrases share one ``with``: ``"with a, b and c"``."""
    withs = [d[5:] for d in details if d.startswith("with ")]
    others = [d for d in details if not d.startswith("with ")]
    parts = list(others)
    if withs:
        parts.append("with " + (withs[0] if len(withs) == 1 else ", ".join(withs[:-1]) + " and " + withs[-1]))
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) == 2 else ", ".join(parts[:-1]) + ", " + parts[-1]


def _pick(rng: np.random.Generator, items, k: int):
    k = min(k, len(items))
    return [items[i] for i in rng.permutation(len(items))[:k]]


def _noun(rng, cat: Category) -> str:
    """The category noun (half the time) or one of its synonyms."""
    syn = cat.synonyms
    if len(syn) == 1 or rng.random() < 0.5:
        return syn[0]
    return syn[int(rng.integers(1, len(syn)))]


def _subtype_phrase(rng, cat: Category, subtype: str) -> str:
    """The sub-type noun phrase, sometimes with the category noun swapped for a synonym."""
    noun = cat.synonyms[0]
    alts = [a for a in cat.synonyms[1:] if a not in _NO_SWAP]
    if alts and re.search(rf"\b{re.escape(noun)}\b", subtype) and rng.random() < 0.35:
        alt = alts[int(rng.integers(len(alts)))]
        return re.sub(rf"\b{re.escape(noun)}\b", alt, subtype, count=1)
    return subtype


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


def make_captions(cat: Category, attributes: dict, rng: np.random.Generator, n: int = 3) -> dict[int, list[str]]:
    """Captions ``{level: [n paraphrases]}`` for levels 0-4 of one shape.

    ``attributes`` holds ``subtype``, ``colour``, ``material``, ``height_word``/``width_word`` ('' when
    not described) and ``details`` (geometric phrases).
    """
    sub, col, mat = attributes["subtype"], attributes["colour"], attributes["material"]
    madj, mnoun = MATERIAL_ADJECTIVES[mat], MATERIAL_NOUNS[mat]
    geo = [w for w in (attributes.get("height_word", ""), attributes.get("width_word", "")) if w]
    details = list(attributes.get("details", ()))
    out: dict[int, list[str]] = {0: list(LEVEL0[:n])}
    out[1] = _pick(rng, list(GROUP_PHRASES[cat.group]), n)

    l2 = ["{A}", "a single {N}", "{A}, seen on its own", "an object that is {A}", "a 3D model of {A}", "what looks like {A}"]
    caps2, used = [], set()
    for _ in range(n):
        N = _noun(rng, cat)
        ok = [t for t in l2 if t not in used and not (t == "a single {N}" and N.split()[-1] in _PLURAL_HEADS)]
        t = ok[int(rng.integers(len(ok)))]
        used.add(t)
        caps2.append(t.format(A=with_article(N), N=N))
    out[2] = caps2

    l3 = ["{c} {m} {s}", "{m} {s}", "{c} {s}", "{s} in {c}", "{s} made of {mn}", "{c} {s} made of {mn}"]
    if geo:
        l3 += ["{g} {c} {s}", "{g} {m} {s}", "{g} {s} in {c}"]
    caps3 = []
    for t in _pick(rng, l3, n):
        g = geo[int(rng.integers(len(geo)))] if geo else ""
        phrase = t.format(c=col, m=madj, mn=mnoun, s=_subtype_phrase(rng, cat, sub), g=g)
        caps3.append(with_article(phrase))
    out[3] = caps3

    caps4 = []
    templates4 = ["adj", "made", "this", "finish", "colour_last"]
    for t in _pick(rng, templates4, n):
        k = int(rng.integers(1, min(3, len(details)) + 1)) if details else 0
        det = _pick(rng, details, k)
        dtxt = (" " + join_details(det)) if det else ""
        s = _subtype_phrase(rng, cat, sub)
        g = " ".join(_pick(rng, geo, int(rng.integers(0, len(geo) + 1)))) if geo else ""
        g = (g + " ") if g else ""
        if t == "adj":
            adjs = [a for a in (col if rng.random() < 0.8 else "", madj if rng.random() < 0.7 else "") if a]
            txt = with_article(g + " ".join(adjs + [s])) + dtxt
        elif t == "made":
            txt = with_article(g + col + " " + s) + dtxt + f", made of {mnoun}"
        elif t == "this":
            txt = "this is " + with_article(g + s) + dtxt + f"; it is {col} and made of {mnoun}"
        elif t == "finish":
            txt = with_article(g + madj + " " + s) + f" in {col}" + dtxt
        else:
            txt = "a 3D model of " + with_article(g + s) + dtxt + f", coloured {col}"
        caps4.append(_cap(re.sub(r"\s+", " ", txt).strip()) + ".")
    out[4] = caps4
    return out
