"""Describe a pydantic settings model for a generated form, and validate a draft of it.

Qt-free: it turns `Field(title=, description=, gt=, le=, ...)` into `FieldSpec`s grouped
by nested model, parses what the user typed, and maps pydantic's errors back to the
field (or, for cross-field rules, to every field whose title the message quotes).
"""

from __future__ import annotations

import enum
import inspect
import math
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError

Path = tuple[str, ...]
_QUOTED = re.compile(r"'([^']+)'")


@dataclass(frozen=True)
class FieldSpec:
    """One scalar field: where it lives, how it is titled, what it accepts."""

    path: Path
    title: str
    description: str
    kind: type  # float, int, str or bool
    optional: bool
    default: Any
    bounds: dict[str, float] = field(default_factory=dict)
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for Literal / StrEnum fields

    @property
    def key(self) -> str:
        return ".".join(self.path)

    def bounds_text(self) -> str:
        """ "> 0 and ≤ 10" style summary for help text."""
        symbols = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤"}
        return " and ".join(f"{symbols[k]} {_num(v)}" for k, v in self.bounds.items())


@dataclass(frozen=True)
class GroupSpec:
    """A nested model (one rule's thresholds) or the top-level scalars ("General")."""

    path: Path
    title: str
    description: str
    fields: tuple[FieldSpec, ...]


@dataclass
class DraftResult:
    """Outcome of validating a draft: the model when valid, else messages by field/group."""

    value: BaseModel | None
    field_errors: dict[str, str]
    group_errors: dict[str, str]

    @property
    def valid(self) -> bool:
        return self.value is not None

    @property
    def problem_count(self) -> int:
        """How many things to fix: a cross-field rule shown on both of its fields (and
        on its group) is one problem, not three."""
        told = set(self.group_errors.values())
        return len(self.group_errors) + sum(m not in told for m in self.field_errors.values())

    def problems_text(self) -> str:
        """'1 problem to fix before saving', '3 problems …' (only for an invalid draft)."""
        n = self.problem_count
        return f"{n} problem{'s' if n != 1 else ''} to fix before saving"


def _num(value: float) -> str:
    """Bounds as people write them: "31,622,400" (not "3.16224e+07"), "0.001", "−1"."""
    if float(value).is_integer() and abs(value) < 1e15:
        text = f"{int(value):,}"
    else:
        text = f"{value:g}"
    return text.replace("-", "\u2212")


def describe(
    model: type[BaseModel],
    titles: Mapping[str, str] | None = None,
    exclude: frozenset[str] = frozenset(),
) -> list[GroupSpec]:
    """Groups in declaration order; top-level scalar fields form a final "General" group.

    A group's title is its Field title, else `titles[name]`, else the name in words
    (`titles[""]` names the "General" group).
    """
    groups: list[GroupSpec] = []
    scalars: list[FieldSpec] = []
    for name, info in model.model_fields.items():
        if name in exclude:
            continue
        sub = _submodel(info.annotation)
        if sub is not None:
            title = info.title or (titles or {}).get(name) or _titled(name)
            groups.append(_group(sub, (name,), title))
        else:
            scalars.append(_field((name,), info))
    if scalars:
        groups.append(GroupSpec((), (titles or {}).get("", "General"), "", tuple(scalars)))
    return groups


def _group(model: type[BaseModel], path: Path, title: str) -> GroupSpec:
    fields = tuple(_field((*path, n), i) for n, i in model.model_fields.items())
    return GroupSpec(path, title, _doc(model), fields)


def _doc(model: type[BaseModel]) -> str:
    doc = inspect.getdoc(model) or ""
    return " ".join(doc.split("\n\n")[0].split())


def _titled(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _submodel(annotation: Any) -> type[BaseModel] | None:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _field(path: Path, info: Any) -> FieldSpec:
    kind, optional, values = _scalar(info.annotation)
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    labels: dict[str, str] = dict(extra.get("labels", {}))
    choices = tuple((v, labels.get(v, _titled(v))) for v in values)
    bounds: dict[str, float] = {}
    for meta in info.metadata:
        for key in ("gt", "ge", "lt", "le"):
            value = getattr(meta, key, None)
            if value is not None and isinstance(meta, annotated_types.BaseMetadata):
                bounds[key] = float(value)
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    if isinstance(default, enum.Enum):
        default = default.value
    title = info.title or _titled(path[-1])
    return FieldSpec(path, title, info.description or "", kind, optional, default, bounds, choices)


def _scalar(annotation: Any) -> tuple[type, bool, tuple[str, ...]]:
    """(kind, optional, choice values) for int/float/str/bool, Literal, StrEnum, X | None."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        kind, _, values = _scalar(args[0])
        return kind, len(args) < len(get_args(annotation)), values
    if origin is Literal:
        return str, False, tuple(str(v) for v in get_args(annotation))
    if inspect.isclass(annotation) and issubclass(annotation, enum.Enum):
        return str, False, tuple(str(m.value) for m in annotation)
    if annotation in (int, float, str, bool):
        return annotation, False, ()
    raise TypeError(f"form fields must be int, float, str, bool or a choice, not {annotation!r}")


def format_value(spec: FieldSpec, value: Any) -> str:
    """How a stored value is shown in its input ("" for None)."""
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if spec.kind is bool:
        return "true" if value else "false"
    if spec.kind is str:
        return str(value)
    if spec.kind is int:
        return str(int(value))
    number = float(value)
    text = f"{number:.10g}"
    if "e" in text and 1e-10 <= abs(number) < 1e15:  # 2e-05 -> 0.00002: as people type it
        text = f"{number:.12f}".rstrip("0").rstrip(".")
    return text


_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d*)?([eE][+-]?\d+)?")
"""1,000 / 12,345.6: commas between groups of three digits, a point for decimals."""


def parse_text(spec: FieldSpec, text: str) -> Any:
    """The typed value of `text`, or ValueError with a message for the field."""
    if spec.kind is bool:
        return text == "true"
    if spec.kind is str:
        return None if spec.optional and not text.strip() else text.strip()
    text = text.strip().replace("\u2212", "-")
    if not text:
        if spec.optional:
            return None
        raise ValueError("Required")
    if "," in text:  # "0,5" meant ½ on a European desk and was read as 5
        if not _THOUSANDS.fullmatch(text):
            raise ValueError(
                f"'{text}': use a point for decimals (0.5) and commas only between"
                " thousands (1,000)"
            )
        text = text.replace(",", "")
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a number") from None
    if not math.isfinite(number):
        raise ValueError("Must be a finite number")
    if spec.kind is int:
        if not number.is_integer():
            raise ValueError("Must be a whole number")
        return int(number)
    return number


def validate_draft(
    model: type[BaseModel], specs: list[GroupSpec], texts: Mapping[str, str]
) -> DraftResult:
    """Parse every field's text, then let the model check bounds and cross-field rules."""
    field_errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    by_title: dict[Path, dict[str, str]] = {}
    for group in specs:
        by_title[group.path] = {f.title: f.key for f in group.fields}
        for spec in group.fields:
            try:
                _put(data, spec.path, parse_text(spec, texts.get(spec.key, "")))
            except ValueError as exc:
                field_errors[spec.key] = str(exc)
    if field_errors:
        return DraftResult(None, field_errors, {})
    try:
        return DraftResult(model.model_validate(data), {}, {})
    except ValidationError as exc:
        return _map_errors(exc, by_title)


def _put(data: dict[str, Any], path: Path, value: Any) -> None:
    node = data
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def _map_errors(exc: ValidationError, by_title: dict[Path, dict[str, str]]) -> DraftResult:
    field_errors: dict[str, str] = {}
    group_errors: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc = tuple(str(p) for p in err["loc"])
        message = _friendly(err["msg"])
        titles = by_title.get(loc)
        if titles is None:  # a field of a group (or a top-level scalar)
            field_errors.setdefault(".".join(loc), message)
            continue
        group_errors[".".join(loc)] = message  # cross-field rule of a group
        for title in _QUOTED.findall(message):
            if title in titles:
                field_errors.setdefault(titles[title], message)
    return DraftResult(None, field_errors, group_errors)


def _friendly(message: str) -> str:
    message = message.removeprefix("Value error, ")
    return message.replace("Input should be", "Must be")


def flatten(value: BaseModel, specs: list[GroupSpec]) -> dict[str, Any]:
    """key -> current value for every described field of `value`."""
    out: dict[str, Any] = {}
    for group in specs:
        for spec in group.fields:
            node: Any = value
            for part in spec.path:
                node = getattr(node, part)
            out[spec.key] = node
    return out


def diff(
    old: BaseModel | None, new: BaseModel, specs: list[GroupSpec]
) -> list[tuple[FieldSpec, Any, Any]]:
    """Fields whose value differs between two versions: (spec, old, new)."""
    before = flatten(old, specs) if old is not None else {}
    after = flatten(new, specs)
    index = {s.key: s for g in specs for s in g.fields}
    return [(index[k], before.get(k), v) for k, v in after.items() if before.get(k) != v]
