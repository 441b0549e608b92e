"""Tokenizers for toy tasks: one symbol per character, or one per word.

Both reserve the first four ids for the specials `<pad>` = 0, `<bos>` = 1, `<eos>` = 2 and
`<unk>` = 3; the task's symbols follow in the order given. With `strict=True` (the default) an
unknown symbol is an error that names it, since a toy task whose data the vocabulary does not
cover is almost always a bug; `strict=False` maps it to `<unk>`.

The round trip that sampling and scoring rely on holds for every id sequence without specials:
`encode(decode(ids)) == ids`. The other way, `decode(encode(text)) == text` holds for text in
the tokenizer's canonical form (characters: any text over the alphabet; words: below).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

SPECIALS = ("<pad>", "<bos>", "<eos>", "<unk>")
PAD_ID, BOS_ID, EOS_ID, UNK_ID = range(4)
_DIGITS = tuple("0123456789")


class Tokenizer:
    """Shared machinery: the id table, strictness, specials, JSON files. Subclasses split text
    into symbols (`_split`) and join symbols back into text (`_join`)."""

    kind: ClassVar[str]
    pad_id: ClassVar[int] = PAD_ID
    bos_id: ClassVar[int] = BOS_ID
    eos_id: ClassVar[int] = EOS_ID
    unk_id: ClassVar[int] = UNK_ID

    def __init__(self, symbols: Sequence[str], *, strict: bool) -> None:
        reserved = sorted(set(symbols) & set(SPECIALS))
        if reserved:
            raise ValueError(f"symbols {reserved} are reserved for the specials {SPECIALS}")
        dupes = sorted(s for s, count in Counter(symbols).items() if count > 1)
        if dupes:
            raise ValueError(f"duplicate symbols {dupes}")
        if not symbols:
            raise ValueError("the vocabulary is empty: give at least one symbol")
        self.itos: list[str] = [*SPECIALS, *symbols]
        self.stoi: dict[str, int] = {s: i for i, s in enumerate(self.itos)}
        self.strict = bool(strict)

    @property
    def vocab_size(self) -> int:
        """Number of ids, specials included."""
        return len(self.itos)

    @property
    def symbols(self) -> list[str]:
        """The task's symbols in id order (specials excluded)."""
        return self.itos[len(SPECIALS) :]

    def _split(self, text: str) -> list[str]:
        raise NotImplementedError

    def _join(self, symbols: list[str]) -> str:
        raise NotImplementedError

    def encode(self, text: str, *, bos: bool = False, eos: bool = False) -> list[int]:
        """Text -> ids, with `<bos>` / `<eos>` around it when asked."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        symbols = self._split(text)
        ids = [self.stoi.get(s, UNK_ID) for s in symbols]
        if self.strict and UNK_ID in ids:
            unknown = sorted({s for s, i in zip(symbols, ids, strict=True) if i == UNK_ID})
            raise ValueError(
                f"unknown symbols {unknown} in {text[:60]!r} (strict=True; strict=False maps them "
                "to <unk>)"
            )
        return [BOS_ID] * bos + ids + [EOS_ID] * eos

    def decode(self, ids: Iterable[int], *, skip_special: bool = True) -> str:
        """Ids -> text. Specials are dropped, or written as their names with
        `skip_special=False`."""
        symbols = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self.itos):
                raise ValueError(f"token id {i} is outside the vocabulary [0, {len(self.itos)})")
            if i >= len(SPECIALS) or not skip_special:
                symbols.append(self.itos[i])
        return self._join(symbols)

    def _config(self) -> dict[str, Any]:
        return {}

    def save(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write the tokenizer as JSON (atomically; an existing file only with `overwrite`)."""
        path = Path(path)
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
        spec = {"kind": self.kind, "symbols": self.symbols, "strict": self.strict}
        spec.update(self._config())
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(spec, ensure_ascii=False, indent=1))
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Tokenizer:
        """Read a tokenizer written by `save`; `Tokenizer.load` returns whichever kind it is."""
        spec = json.loads(Path(path).read_text())
        kinds = {sub.kind: sub for sub in (CharTokenizer, WordTokenizer)}
        if spec.get("kind") not in kinds:
            raise ValueError(f"{path}: unknown tokenizer kind {spec.get('kind')!r}")
        sub = kinds[spec.pop("kind")]
        if not issubclass(sub, cls):
            raise TypeError(f"{path} holds a {sub.__name__}, not a {cls.__name__}")
        return sub._from_spec(spec)

    @classmethod
    def _from_spec(cls, spec: dict[str, Any]) -> Tokenizer:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return (
            type(self) is type(other)
            and self.itos == other.itos
            and self.strict == other.strict
            and self._config() == other._config()
        )

    def __hash__(self) -> int:
        return hash((type(self), tuple(self.itos)))

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self._config().items())
        return f"{type(self).__name__}(vocab_size={self.vocab_size}{extra}, strict={self.strict})"


class CharTokenizer(Tokenizer):
    """One id per character of `alphabet` (a string, or an iterable of 1-character strings).

    Canonical form: any text over the alphabet, so `decode(encode(text)) == text`.
    """

    kind = "char"

    def __init__(self, alphabet: str | Iterable[str], *, strict: bool = True) -> None:
        chars = list(alphabet)
        bad = [c for c in chars if not (isinstance(c, str) and len(c) == 1)]
        if bad:
            raise ValueError(f"alphabet entries must be single characters, got {bad[:5]}")
        super().__init__(chars, strict=strict)

    def _split(self, text: str) -> list[str]:
        return list(text)

    def _join(self, symbols: list[str]) -> str:
        return "".join(symbols)

    @classmethod
    def _from_spec(cls, spec: dict[str, Any]) -> CharTokenizer:
        return cls(spec["symbols"], strict=spec["strict"])


_SPLITS = {"whitespace": re.compile(r"\S+"), "punct": re.compile(r"\w+|[^\w\s]")}
_DIGIT_RUNS = {"single": re.compile(r"[0-9]|[^0-9]+"), "number": re.compile(r"[0-9]+|[^0-9]+")}


def _split_words(text: str, split: str, digits: str) -> list[str]:
    """Words of `text` under the `split` rule, each cut further into digit and non-digit runs."""
    if split not in _SPLITS:
        raise ValueError(f"split must be one of {list(_SPLITS)}, got {split!r}")
    if digits not in _DIGIT_RUNS:
        raise ValueError(f"digits must be one of {list(_DIGIT_RUNS)}, got {digits!r}")
    runs = _DIGIT_RUNS[digits]
    return [run for word in _SPLITS[split].findall(text) for run in runs.findall(word)]


class WordTokenizer(Tokenizer):
    """One id per word of `vocab`.

    Text is cut into words at whitespace (`split="whitespace"`), or also before and after every
    punctuation character (`split="punct"`: `x=3,` -> `x = 3 ,`). Digits are single tokens
    (`digits="single"`: `123` -> `1 2 3`, and 0-9 join the vocabulary automatically) or whole
    numbers (`digits="number"`: `x12` -> `x 12`, each number must be in `vocab`).

    `decode` joins words with one space, except that consecutive digits under `digits="single"`
    are written together. Canonical form: single spaces between words, none between the
    digits of a number, and (under `"punct"`) spaces around punctuation — e.g. `12 + 34 = 46`.
    """

    kind = "word"

    def __init__(
        self,
        vocab: Iterable[str],
        *,
        split: str = "whitespace",
        digits: str = "single",
        strict: bool = True,
    ) -> None:
        _split_words("", split, digits)  # validates both rules
        self.split, self.digits = split, digits
        words = list(vocab)
        bad = [w for w in words if not isinstance(w, str) or self._split(w) != [w]]
        if bad:
            raise ValueError(
                f"vocab words {bad[:5]} are not single words under split={split!r}, "
                f"digits={digits!r}; encode could never produce them"
            )
        if digits == "single":
            words += [d for d in _DIGITS if d not in words]
        super().__init__(words, strict=strict)

    @classmethod
    def from_corpus(
        cls,
        texts: Iterable[str],
        *,
        split: str = "whitespace",
        digits: str = "single",
        strict: bool = True,
    ) -> WordTokenizer:
        """The tokenizer whose vocabulary is every word of `texts`, in order of first use."""
        seen: dict[str, None] = {}
        for text in texts:
            seen.update(dict.fromkeys(_split_words(text, split, digits)))
        return cls(list(seen), split=split, digits=digits, strict=strict)

    def _split(self, text: str) -> list[str]:
        return _split_words(text, self.split, self.digits)

    def _join(self, symbols: list[str]) -> str:
        if self.digits == "number":
            return " ".join(symbols)
        out: list[str] = []
        for i, s in enumerate(symbols):
            glue = i > 0 and s in _DIGITS and symbols[i - 1] in _DIGITS
            out.append(s if glue or i == 0 else " " + s)
        return "".join(out)

    def _config(self) -> dict[str, Any]:
        return {"split": self.split, "digits": self.digits}

    @classmethod
    def _from_spec(cls, spec: dict[str, Any]) -> WordTokenizer:
        return cls(
            spec["symbols"], split=spec["split"], digits=spec["digits"], strict=spec["strict"]
        )
