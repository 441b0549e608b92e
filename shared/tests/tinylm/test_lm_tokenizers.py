import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("torch")

from papershelf.tinylm import CharTokenizer, Tokenizer, WordTokenizer
from papershelf.tinylm.tokenizers import SPECIALS

ALPHABET = "abc 12\n"
WORDS = ["the", "cat", "+", "=", "x="]


def test_specials_come_first_with_fixed_ids():
    tok = CharTokenizer("ab")
    assert tok.itos[:4] == list(SPECIALS)
    assert (tok.pad_id, tok.bos_id, tok.eos_id, tok.unk_id) == (0, 1, 2, 3)
    assert tok.encode("ab", bos=True, eos=True) == [1, 4, 5, 2]
    assert tok.vocab_size == 6


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=ALPHABET))
def test_char_text_round_trip(text):
    tok = CharTokenizer(ALPHABET)
    assert tok.decode(tok.encode(text)) == text


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(4, 4 + len(ALPHABET) - 1)))
def test_char_ids_round_trip(ids):
    tok = CharTokenizer(ALPHABET)
    assert tok.encode(tok.decode(ids)) == ids


@pytest.mark.parametrize("split", ["whitespace", "punct"])
@pytest.mark.parametrize("digits", ["single", "number"])
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_word_ids_round_trip(split, digits, data):
    vocab = ["the", "cat", "+", "="] + (["12", "7"] if digits == "number" else [])
    tok = WordTokenizer(vocab, split=split, digits=digits)
    ids = data.draw(st.lists(st.integers(4, tok.vocab_size - 1)))
    assert tok.encode(tok.decode(ids)) == ids


def test_word_splitting_and_canonical_text():
    tok = WordTokenizer(["+", "="])
    text = "12 + 34 = 46"
    assert [tok.itos[i] for i in tok.encode(text)] == list("12+34=46")
    assert tok.decode(tok.encode(text)) == text
    punct = WordTokenizer(["x", "=", ","], split="punct")
    assert [punct.itos[i] for i in punct.encode("x=3,")] == ["x", "=", "3", ","]
    number = WordTokenizer(["x", "12"], digits="number")
    assert [number.itos[i] for i in number.encode("x12 12")] == ["x", "12", "12"]


def test_strict_names_unknown_symbols_and_lenient_maps_them_to_unk():
    with pytest.raises(ValueError, match=r"unknown symbols \['q', 'z'\]"):
        CharTokenizer("ab").encode("azbq")
    assert CharTokenizer("ab", strict=False).encode("az") == [4, 3]
    with pytest.raises(ValueError, match=r"unknown symbols \['dog'\]"):
        WordTokenizer(WORDS).encode("the dog")
    assert WordTokenizer(WORDS, strict=False).encode("the dog")[1] == 3


def test_decode_drops_or_names_specials():
    tok = CharTokenizer("ab")
    assert tok.decode([1, 4, 3, 5, 2, 0]) == "ab"
    assert tok.decode([1, 4, 2], skip_special=False) == "<bos>a<eos>"
    with pytest.raises(ValueError, match="token id 9 is outside"):
        tok.decode([9])


@pytest.mark.parametrize(
    "tok",
    [
        CharTokenizer(ALPHABET, strict=False),
        WordTokenizer(WORDS, split="whitespace", digits="number"),
        WordTokenizer(["the", ","], split="punct"),
    ],
)
def test_save_load_round_trip(tok, tmp_path):
    path = tok.save(tmp_path / "tok.json")
    again = Tokenizer.load(path)
    assert again == tok and type(again) is type(tok)
    assert type(tok).load(path) == tok
    with pytest.raises(FileExistsError, match="overwrite=True"):
        tok.save(path)
    tok.save(path, overwrite=True)


def test_load_refuses_the_wrong_kind(tmp_path):
    path = CharTokenizer("ab").save(tmp_path / "tok.json")
    with pytest.raises(TypeError, match="holds a CharTokenizer, not a WordTokenizer"):
        WordTokenizer.load(path)


def test_from_corpus_collects_words_in_order():
    tok = WordTokenizer.from_corpus(["the cat = 12", "cat + the"])
    assert tok.symbols == ["the", "cat", "=", "1", "2", "+", "0", *"3456789"]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: CharTokenizer("aba"), r"duplicate symbols \['a'\]"),
        (lambda: CharTokenizer(["ab"]), "single characters"),
        (lambda: CharTokenizer(""), "vocabulary is empty"),
        (lambda: WordTokenizer(["<eos>"]), "reserved"),
        (lambda: WordTokenizer(["a b"]), "not single words"),
        (lambda: WordTokenizer(["x1"]), "not single words"),
        (lambda: WordTokenizer(["x="], split="punct"), "not single words"),
        (lambda: WordTokenizer(["a"], split="bpe"), "split must be one of"),
        (lambda: WordTokenizer(["a"], digits="all"), "digits must be one of"),
    ],
)
def test_bad_vocabularies_are_refused(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_encode_refuses_non_text():
    with pytest.raises(TypeError, match="text must be a str"):
        CharTokenizer("ab").encode(["a"])
