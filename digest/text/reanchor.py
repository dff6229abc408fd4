"""Quotes that survive corrections: re-find a quote after its article changed.

Outlets edit published articles: a word is changed, a typo fixed, a clause
inserted. A quote written against the old text then no longer matches
exactly. `relocate` finds where it went, in the spirit of Hypothesis's fuzzy
anchoring: every passage of the article is scored by edit distance to the
quote (on text normalised as `digest.text.anchor` does: whitespace runs and
typographic quotes folded), and prefix/suffix context ranks candidates that
are about equally close. `propose_fix` decides whether that passage may
replace the quote without a person looking (not when a negation or a number
changed, see `digest.text.meaning`), and `fix_quote_in_yaml` then writes it back
into the sidecar, changing only the bytes of that one scalar.

Edit distances come from Myers' bit-parallel algorithm (Hyyro's
formulation), and common-subsequence lengths (used to cut a passage's
edges) from the analogous bit-parallel LCS, with Python integers as bit
vectors: one pass over an article's text costs a dozen integer operations
per character, whatever the length of the quote, so ~50 blocks of ~1000
characters take about 0.1 s.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import yaml
from yaml.emitter import Emitter
from yaml.reader import Reader
from yaml.resolver import Resolver

from digest.text.anchor import NormalisedText, find_all, normalise, offset_map, visible_text
from digest.text.meaning import meaning_changes
from digest.text.seedtext import Block

SIMILARITY_THRESHOLD = 0.75
"""Least similarity (1 - edit distance / length of the longer text, on
normalised text) for a passage to count as the quote's new place.

At 0.75 up to a quarter of the characters may differ: enough for a changed
word, a fixed typo, changed punctuation, or a clause of a few words inserted
into a sentence-long quote (those score 0.8-0.99 in the tests). The best
passage for a quote whose text was removed scores far lower: 0.3-0.5 for an
unrelated sentence, about 0.6 when half the quoted sentence was rewritten.
0.75 sits in that gap, so a wrong "fix" is unlikely and a real correction
is rarely missed; an edit bigger than a quarter of the quote is left to the
editor."""

MAX_CANDIDATES = 12
"""Places refined and ranked per quote (the closest first)."""

_QUOTE_WEIGHT = 50.0
_CONTEXT_WEIGHT = 20.0
"""Ranking weights as in Hypothesis's ``match-quote``: the quote counts most,
prefix and suffix each break ties and outvote a slightly closer passage in
the wrong place."""


@dataclass(frozen=True, slots=True)
class Relocation:
    """Where a quote went: ``blocks[block].text[start:end] == text``."""

    block: int
    start: int
    end: int
    text: str
    """The new passage exactly as in the seed's block (typographic quotes,
    whitespace and line breaks as written)."""
    score: float
    """Similarity of the passage to the quote on normalised text, 0..1
    (1 = equal after normalisation)."""


# --- edit distance ------------------------------------------------------------


def _pattern_masks(pattern: str) -> dict[str, int]:
    masks: dict[str, int] = {}
    for index, char in enumerate(pattern):
        masks[char] = masks.get(char, 0) | (1 << index)
    return masks


def _distances(masks: dict[str, int], length: int, text: str, free_start: bool) -> list[int]:
    """``out[j]``: edit distance from the pattern to ``text[s:j]``, for j = 0..len(text).

    With ``free_start`` the start ``s`` is the best one (approximate substring
    search); without it ``s`` is 0 (plain edit distance of prefixes of text).
    """
    full = (1 << length) - 1
    high = 1 << (length - 1)
    carry = 0 if free_start else 1
    positive, negative = full, 0
    score = length
    out = [score]
    append = out.append
    get = masks.get
    for char in text:
        equal = get(char, 0)
        xv = equal | negative
        xh = (((equal & positive) + positive) ^ positive) | equal
        ph = negative | (~(xh | positive) & full)
        mh = positive & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | carry) & full
        mh = (mh << 1) & full
        positive = mh | (~(xv | ph) & full)
        negative = ph & xv
        append(score)
    return out


def _common_lengths(masks: dict[str, int], length: int, text: str) -> list[int]:
    """``out[j]``: length of the longest common subsequence of the pattern and ``text[:j]``.

    Bit-parallel (Crochemore et al. 2001): a zero bit per pattern character matched so far.
    """
    full = (1 << length) - 1
    vector = full
    out = [0]
    append = out.append
    get = masks.get
    for char in text:
        matched = vector & get(char, 0)
        vector = ((vector + matched) | (vector - matched)) & full
        append(length - vector.bit_count())
    return out


def _context_similarity(pattern: str, text: str, before: bool) -> float:
    """How well context ``pattern`` matches right before (or after) a passage.

    ``text`` is the article text on that side, cut a little longer than the
    pattern; the far end of the match is free.
    """
    if not pattern:
        return 1.0
    if not text:
        return 0.0
    if before:  # ends at the passage, starts anywhere
        distance = _distances(_pattern_masks(pattern), len(pattern), text, True)[-1]
    else:  # starts at the passage, ends anywhere
        distance = min(_distances(_pattern_masks(pattern), len(pattern), text, False))
    return max(0.0, 1.0 - distance / len(pattern))


# --- word boundaries and offsets ----------------------------------------------

_WORD = re.compile(r"\S+")


def _boundaries(text: str) -> tuple[list[bool], list[bool]]:
    """Offsets of a normalised block where a passage may start, and end.

    A passage starts at a word or inside its leading punctuation (an opening
    quote, a bracket) and ends at a word's end or inside its trailing
    punctuation (a closing quote, a comma): it never cuts a word.
    """
    starts = [False] * (len(text) + 1)
    ends = [False] * (len(text) + 1)
    for word in _WORD.finditer(text):
        first, last = word.start(), word.end()
        token = word.group()
        alnum = [i for i, char in enumerate(token) if char.isalnum()]
        lead = alnum[0] if alnum else len(token) - 1
        trail = alnum[-1] + 1 if alnum else 1
        for offset in range(first, first + lead + 1):
            starts[offset] = True
        for offset in range(first + trail, last + 1):
            ends[offset] = True
    return starts, ends


def _best_cut(common: list[int], allowed: list[bool], size: int) -> int | None:
    """The allowed passage length ``n`` with the best ratio ``2 * common[n] / (size + n)``.

    ``common[n]`` is what a passage of length ``n`` has in common with the
    quote. Ties go to the length nearest the quote's.
    """
    best: int | None = None
    for length in range(1, len(common)):
        if not allowed[length]:
            continue
        if best is None:
            best = length
            continue
        gain = common[length] * (size + best) - common[best] * (size + length)
        if gain > 0 or (gain == 0 and abs(length - size) < abs(best - size)):
            best = length
    return best


def _edge_words(needle: str) -> tuple[str, str] | None:
    """The quote's first and last words, at least two and ten characters each (None for short quotes)."""
    words = needle.split(" ")
    if len(words) < 4:
        return None
    head = words[0]
    for word in words[1:]:
        if len(head) >= 10 and head.count(" ") >= 1:
            break
        head += " " + word
    tail = words[-1]
    for word in reversed(words[:-1]):
        if len(tail) >= 10 and tail.count(" ") >= 1:
            break
        tail = word + " " + tail
    return head, tail


def _alike(pattern: str, text: str) -> bool:
    """Whether two short texts are more alike than not (a word respelt, not replaced)."""
    return 1.0 - _distances(_pattern_masks(pattern), len(pattern), text, False)[-1] / max(len(pattern), len(text), 1) >= 0.5


def _reach_edges(text: str, needle: str, start: int, end: int, longest: int, starts: list[bool], ends: list[bool]) -> tuple[int, int]:
    """Move a passage's edges out to the quote's own first and last words, if they are just outside.

    A clause inserted right after a quote's first words (or before its last)
    can cost more than leaving those words out; when they stand verbatim
    within reach, they are where the quote begins (ends).
    """
    edges = _edge_words(needle)
    if edges is None:
        return start, end
    head, tail = edges
    if not _alike(head, text[start : start + len(head)]):
        found = text.rfind(head, max(0, end - longest), start)
        if found != -1 and starts[found] and (found == 0 or text[found - 1] == " "):
            start = found
    if not _alike(tail, text[max(start, end - len(tail)) : end]):
        found = text.find(tail, end, start + longest)
        if found != -1 and ends[found + len(tail)]:
            end = found + len(tail)
    return start, end


_SENTENCE_END = re.compile(r"[.!?][\"')\]]*$")


def _word_key(word: str) -> str:
    """A word without its punctuation, in any case: what must agree for two words to be "the same word"."""
    return "".join(char for char in word if char.isalnum()).casefold()


def _missing_words(quote: list[str], passage: list[str]) -> int:
    """How many of the quote's first words come before the passage's first word (0, 1 or 2).

    The passage's first two words must be the quote's next two, so a
    common word ("the") met by chance does not count.
    """
    keys = [_word_key(word) for word in passage[:2]]
    if len(keys) < 2 or _word_key(quote[0]) == keys[0]:
        return 0
    for missing in (1, 2):
        if [_word_key(word) for word in quote[missing : missing + 2]] == keys:
            return missing
    return 0


def _cover_edge_words(text: str, needle: str, start: int, end: int) -> tuple[int, int]:
    """Take in the words just outside a passage that stand in for the quote's own first (last) words.

    When a correction replaces a quote's first word ("Some years later" ->
    "Many years later"), the best-scoring passage starts at the second word,
    and a fix would silently drop the first. If the passage begins with the
    quote's second (or third) word and as many words stand right before it
    in the same sentence, they are the replaced words and belong to the
    passage; likewise at the end. ``text`` and ``needle`` are normalised.
    """
    quote = needle.split(" ")
    new_start, new_end = start, end
    for _ in range(_missing_words(quote, text[start:end].split(" "))):
        word_start = text.rfind(" ", 0, new_start) + 1  # the passage's first word, opening marks included
        previous_start = text.rfind(" ", 0, max(0, word_start - 1)) + 1
        if word_start == 0 or _SENTENCE_END.search(text[previous_start : word_start - 1]):
            new_start = start
            break
        new_start = previous_start
    if new_start < start and quote[0][:1].isalnum():
        while not text[new_start].isalnum():  # the quote has no opening mark: leave the text's out
            new_start += 1
    for _ in range(_missing_words(quote[::-1], text[start:end].split(" ")[::-1])):
        word_start = text.rfind(" ", 0, new_end) + 1
        word_end = text.find(" ", new_end)  # the passage's last word, closing marks included
        if word_end == -1 or _SENTENCE_END.search(text[word_start:word_end]):
            new_end = end
            break
        following = text.find(" ", word_end + 1)
        new_end = len(text) if following == -1 else following
    if new_end > end and quote[-1][-1:].isalnum():
        while not text[new_end - 1].isalnum():  # the quote has no closing punctuation: leave the text's out
            new_end -= 1
    return new_start, new_end


# --- relocate -----------------------------------------------------------------

RELOCATE_BUDGET = 50_000_000
"""Most work (see `relocate_work`) `relocate` may do, a few seconds at most:
a quote of 20,000 characters in an article of 100,000 fits. Past it, it
does not look, and the error says the quote is too long to look for a closest passage."""


def _vector_work(length: int) -> int:
    """Machine words in a bit vector over a pattern of ``length`` characters."""
    return length // 64 + 1


def relocate_work(blocks: tuple[Block, ...] | list[Block], exact: str, prefix: str = "", suffix: str = "") -> int:
    """An upper bound of the work `relocate` does, in machine words of bit vectors.

    Each character scanned updates a few bit vectors as long as the pattern:
    the quote's over every block (and over itself, building its masks), the
    context's over a stretch half again as long as the context, for each candidate.
    """
    size = len(exact)
    scanned = sum(len(block.text) for block in blocks) + size
    context = sum(2 * len(part) * _vector_work(len(part)) for part in (prefix, suffix))
    return scanned * _vector_work(size) + MAX_CANDIDATES * context


def relocate(blocks: tuple[Block, ...] | list[Block], exact: str, prefix: str = "", suffix: str = "") -> Relocation | None:
    """The passage of the article nearest to a quote, or None if none is similar enough.

    Candidates are the places where the quote matches a word-aligned passage of
    one block with at most a third of its length in edits (the most that can
    still reach `SIMILARITY_THRESHOLD`); the closest few are refined to exact
    word-aligned passages, those below the threshold dropped, and the rest
    ranked by quote similarity together with prefix and suffix similarity
    (context may reach into neighbouring blocks, as in `digest.text.anchor.find_all`).
    Ties go to the earlier passage. None, without looking, past `RELOCATE_BUDGET`.
    """
    if relocate_work(blocks, exact, prefix, suffix) > RELOCATE_BUDGET:
        return None
    needle = normalise(exact)
    if not needle:
        return None
    size = len(needle)
    max_errors = size // 3  # similarity >= 0.75 needs distance <= len/3 (the passage is at most len + distance long)
    masks = _pattern_masks(needle)
    folded = [normalise(block.text) for block in blocks]
    bases = []
    offset = 0
    for text in folded:
        bases.append(offset)
        offset += len(text) + 1
    flat = " ".join(folded)

    candidates: list[tuple[int, int, int]] = []  # (distance lower bound, block, end)
    for index, text in enumerate(folded):
        if size - len(text) > max_errors:
            continue
        scores = _distances(masks, size, text, True)
        _, ends = _boundaries(text)
        found = sorted((scores[j], j) for j in range(1, len(text) + 1) if ends[j] and scores[j] <= max_errors)
        taken: list[int] = []
        for score, end in found:  # one end per place: the best within half a quote of it
            if all(abs(end - other) * 2 >= size for other in taken):
                taken.append(end)
                candidates.append((score, index, end))
    candidates.sort()

    reverse_masks = _pattern_masks(needle[::-1])
    want_prefix, want_suffix = normalise(prefix), normalise(suffix)
    ranked: list[tuple[float, float, int, int, int]] = []
    seen: set[tuple[int, int, int]] = set()
    for _, index, end in candidates[:MAX_CANDIDATES]:
        text = folded[index]
        starts, ends = _boundaries(text)
        # Cut the passage with the best share of characters in common with the
        # quote (difflib's ratio): unlike the least edit distance, that keeps
        # an inserted clause rather than dropping the quote's first or last words.
        low = max(0, end - size - max_errors)
        back = _common_lengths(reverse_masks, size, text[low:end][::-1])
        cut = _best_cut(back, [starts[end - n] for n in range(len(back))], size)
        if cut is None:
            continue
        start = end - cut
        forward = _common_lengths(masks, size, text[start : min(len(text), start + size + max_errors)])
        cut = _best_cut(forward, ends[start : start + len(forward)], size)
        if cut is None:
            continue
        end = start + cut
        start, end = _reach_edges(text, needle, start, end, size + max_errors, starts, ends)
        start, end = _cover_edge_words(text, needle, start, end)
        if (index, start, end) in seen:
            continue
        seen.add((index, start, end))
        distance = _distances(masks, size, text[start:end], False)[-1]
        similarity = 1.0 - distance / max(size, end - start)
        if similarity < SIMILARITY_THRESHOLD:
            continue
        base = bases[index]
        before = flat[: base + start].rstrip(" ")
        after = flat[base + end :].lstrip(" ")
        prefix_score = _context_similarity(want_prefix, before[-(len(want_prefix) * 3 // 2) :], True)
        suffix_score = _context_similarity(want_suffix, after[: len(want_suffix) * 3 // 2], False)
        rank = (_QUOTE_WEIGHT * similarity + _CONTEXT_WEIGHT * (prefix_score + suffix_score)) / (_QUOTE_WEIGHT + 2 * _CONTEXT_WEIGHT)
        ranked.append((-rank, -similarity, index, start, end))
    if not ranked:
        return None
    _, negative_similarity, index, start, end = min(ranked)
    original = blocks[index].text
    offsets = offset_map(original)
    first, last = offsets[start], offsets[end - 1] + 1
    return Relocation(index, first, last, original[first:last], round(-negative_similarity, 4))


# --- propose_fix --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuoteRepair:
    """What `digest check --fix` would write for a quote that is no longer found."""

    new: str
    """The passage as it is to be written: the seed's text without invisible
    characters (`digest.text.anchor.visible_text`)."""
    relocation: Relocation
    concerns: tuple[str, ...]
    """Why a person must decide instead (a negation or a number appeared,
    disappeared or changed); empty when the fix may be applied."""


def propose_fix(haystack: NormalisedText, exact: str, prefix: str = "", suffix: str = "") -> QuoteRepair | None:
    """The passage that should replace a quote that is not found, or None when there is none.

    None too when the quote's own words are in the text (only its prefix or
    suffix differs: that is no correction of the quote), and when the new
    passage with the quote's context would not pick exactly one place.
    """
    moved = relocate(haystack.blocks, exact, prefix, suffix)
    if moved is None or normalise(moved.text) == normalise(exact):
        return None
    new = visible_text(moved.text)
    if len(find_all(haystack, new, prefix, suffix)) != 1:
        return None
    return QuoteRepair(new, moved, meaning_changes(exact, new))


# --- fix_quote_in_yaml --------------------------------------------------------

_STR_TAG = "tag:yaml.org,2002:str"
_LINE_BREAKS = "\x85\u2028\u2029"
_ESCAPES = {"\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f", "\r": "r", "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\u2028": "L", "\u2029": "P"}


def fix_quote_in_yaml(text: str, old: str, new: str, line: int, column: int, key: str = "exact") -> str:
    """Replace one quote scalar in a YAML file's text, leaving every other byte as it was.

    ``line``/``column`` (1-based) are where the quote node starts, as in
    `QuoteSelector.loc`: a scalar, or a ``{exact, prefix, suffix}`` mapping
    whose ``key`` value (``exact`` unless told) is replaced. ``old`` must be
    the scalar's current value (a safety check: ValueError otherwise, and
    when no quote starts there).

    The new scalar keeps the old one's style: plain, 'single' or "double"
    quoted, literal ``|`` or folded ``>`` (header, chomping, comment and
    indentation kept; a block scalar's value gets its usual final newline
    unless its header strips it). A scalar that was wrapped over several
    lines is wrapped again at the same width and indentation; one that was on
    one line stays on one line however long. When the style cannot hold the
    new text (a plain scalar with ``: `` or `` #``, a special first
    character, a value YAML would read as null/bool/number; a line break in a
    quoted or folded scalar), it is written double-quoted instead.

    A new value may take more or fewer lines: to fix several quotes of one
    file, apply the fixes from the last position to the first.
    """
    if text.startswith("\ufeff"):  # positions are counted without the BOM, as digest.source.yamlnodes reads them
        return "\ufeff" + fix_quote_in_yaml(text[1:], old, new, line, column, key)
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    found = _find_quote(root, line - 1, column - 1, key)
    if found is None:
        raise ValueError(f"no quote scalar starts at line {line}, column {column}")
    node, in_flow = found
    if node.value != old:
        raise ValueError(f"the quote at line {line}, column {column} is {node.value!r}, not {old!r}")
    start, end = _token_span(text, node)
    newline = "\r\n" if "\r\n" in text else "\n"
    raw = text[start:end]
    if node.style in ("|", ">"):
        attempts = [_block_scalar(text, start, raw, node.style, new, newline), None]
    else:
        attempts = [_flow_scalar(text, start, raw, node.style, new, in_flow, newline), None]
    shape = _shape(root, node)
    for attempt in attempts:
        if attempt is None:  # the fallback: one double-quoted line
            if node.style in ("|", ">"):
                end = start + len(_block_content(raw)[0])
            attempt = (_double_quoted(new), end)
        replacement, stop = attempt
        result = text[:start] + replacement + text[stop:]
        if _reads_back(result, line - 1, column - 1, key, new, shape):
            return result
    raise ValueError(f"cannot write {new!r} at line {line}, column {column} without changing other text")


def _find_quote(root: yaml.Node | None, line: int, column: int, key: str) -> tuple[yaml.ScalarNode, bool] | None:
    """The scalar at the position (or the ``key`` value of the mapping there), and whether it sits in a flow collection."""
    stack: list[tuple[yaml.Node, bool]] = [(root, False)] if root is not None else []
    while stack:
        node, in_flow = stack.pop()
        at = node.start_mark.line == line and node.start_mark.column == column
        if isinstance(node, yaml.ScalarNode):
            if at:
                return node, in_flow
            continue
        assert isinstance(node, yaml.CollectionNode), "composed nodes are scalars, sequences and mappings"
        inner = in_flow or bool(node.flow_style)
        if isinstance(node, yaml.MappingNode):
            if at:
                for key_node, value in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value == key and isinstance(value, yaml.ScalarNode):
                        return value, inner
            stack.extend((value, inner) for _, value in reversed(node.value))  # keys are never quotes
        else:
            stack.extend((item, inner) for item in reversed(node.value))
    return None


def _token_span(text: str, node: yaml.ScalarNode) -> tuple[int, int]:
    """Where the scalar itself is written: its node's marks, minus any anchor or tag in front."""
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, yaml.ScalarToken) and token.end_mark.index == node.end_mark.index and token.start_mark.index >= node.start_mark.index:
            return token.start_mark.index, token.end_mark.index
    return node.start_mark.index, node.end_mark.index  # pragma: no cover - a composed scalar always has a token


def _reads_back(result: str, line: int, column: int, key: str, new: str, shape: object) -> bool:
    """Whether the new text reads as the old document with only the quote's value changed."""
    try:
        root = yaml.compose(result, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return False
    found = _find_quote(root, line, column, key)
    if found is None:
        return False
    node = found[0]
    if node.style in ("|", ">"):
        if node.value.rstrip("\n") != new:
            return False
    elif node.value != new or (node.style is None and node.tag != _STR_TAG):
        return False
    return _shape(root, node) == shape


def _shape(node: yaml.Node | None, target: yaml.Node) -> object:
    """A document's content as nested tuples, with the quote node as a placeholder."""
    if node is target:
        return "<quote>"
    if node is None:
        return None
    if isinstance(node, yaml.ScalarNode):
        return (node.tag, node.value)
    if isinstance(node, yaml.SequenceNode):
        return (node.tag, tuple(_shape(item, target) for item in node.value))
    return (node.tag, tuple((_shape(k, target), _shape(v, target)) for k, v in node.value))


def _column_of(text: str, index: int) -> int:
    return index - (text.rfind("\n", 0, index) + 1)


def _line_indent(text: str, index: int) -> int:
    line_start = text.rfind("\n", 0, index) + 1
    line_text = text[line_start:index]
    return len(line_text) - len(line_text.lstrip(" "))


def _printable(value: str) -> bool:
    return not Reader.NON_PRINTABLE.search(value) and not any(char in _LINE_BREAKS for char in value) and "\ufeff" not in value


# flow styles: plain, single and double quoted


def _flow_scalar(text: str, start: int, raw: str, style: str | None, new: str, in_flow: bool, newline: str) -> tuple[str, int] | None:
    if style == "'":
        if "\n" in new or "\r" in new or "\t" in new or not _printable(new):
            return None
        scalar = "'" + new.replace("'", "''") + "'"
    elif style == '"':
        scalar = _double_quoted(new)
    else:
        if not _plain_ok(new, in_flow):
            return None
        scalar = new
    return _rewrap(scalar, raw, _column_of(text, start), newline), start + len(raw)


def _plain_ok(value: str, in_flow: bool) -> bool:
    if not value or not _printable(value) or "\t" in value:
        return False
    analysis = Emitter(io.StringIO(), allow_unicode=True).analyze_scalar(value)  # analysing writes nothing
    if analysis.multiline or not (analysis.allow_flow_plain if in_flow else analysis.allow_block_plain):
        return False
    return Resolver().resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG


def _double_quoted(value: str) -> str:
    out = ['"']
    for char in value:
        if char in _ESCAPES:
            out.append("\\" + _ESCAPES[char])
        elif Reader.NON_PRINTABLE.match(char) or char == "\ufeff":
            code = ord(char)
            out.append(f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _rewrap(scalar: str, raw: str, first_column: int, newline: str) -> str:
    """Wrap a one-line scalar the way the old one was, if it spanned lines.

    Lines break only at a single space between two visible characters, which
    every flow style folds back into that space; never before a ``#`` (a
    comment in a plain scalar) or after a backslash (an escape in a double
    quoted one).
    """
    old_lines = raw.replace("\r\n", "\n").split("\n")
    rest = [row for row in old_lines[1:] if row.strip()]
    if not rest:
        return scalar
    width = max(first_column + len(old_lines[0]), *(len(row) for row in rest))
    indent = min(len(row) - len(row.lstrip(" ")) for row in rest)
    pieces = []
    piece_start = 0
    for i in range(1, len(scalar) - 1):
        if scalar[i] == " " and scalar[i - 1] not in " \\" and scalar[i + 1] not in " #" and not scalar.startswith(("---", "..."), i + 1):
            pieces.append(scalar[piece_start:i])
            piece_start = i + 1
    pieces.append(scalar[piece_start:])
    lines = [pieces[0]]
    column = first_column + len(pieces[0])
    for piece in pieces[1:]:
        if column + 1 + len(piece) <= width:
            lines[-1] += " " + piece
            column += 1 + len(piece)
        else:
            lines.append(piece)
            column = indent + len(piece)
    return (newline + " " * indent).join(lines)


# block styles: literal and folded


def _block_content(raw: str) -> tuple[str, list[str]]:
    """A block scalar's text up to the end of its last non-blank line (its header if none), and its lines.

    What follows (trailing blank lines, the line break) stays in the file untouched.
    """
    rows = raw.split("\n")
    last = max((number for number, row in enumerate(rows) if number and row.strip()), default=0)
    content = "\n".join(rows[: last + 1])
    return (content[:-1] if content.endswith("\r") else content), rows


def _block_scalar(text: str, start: int, raw: str, style: str, new: str, newline: str) -> tuple[str, int] | None:
    content, rows = _block_content(raw)
    header = rows[0].rstrip("\r")
    body = [row.rstrip("\r") for row in rows[1 : content.count("\n") + 1]]
    filled = [row for row in body if row.strip()]
    if filled:
        indent = min(len(row) - len(row.lstrip(" ")) for row in filled)
    else:
        indent = _line_indent(text, start) + 2
    if not new or new[0] in " \t" or new != new.rstrip("\n") or not _printable(new.replace("\n", "")):
        return None
    pad = " " * indent
    if style == "|":
        lines = new.split("\n")
        if any(row.startswith(" ") and not row.strip() for row in lines):
            return None
    else:
        if "\n" in new or "\t" in new:
            return None
        lines = [new]
        if len(filled) > 1:  # it was wrapped: wrap again at the same width
            lines = _fold(new, max(len(row) for row in filled) - indent)
    replacement = header + newline + newline.join(pad + row if row else "" for row in lines)
    return replacement, start + len(content)


def _fold(value: str, width: int) -> list[str]:
    """Greedy lines of at most ``width`` characters, broken at single spaces between words (folded style)."""
    words = value.split(" ")
    if any(not word for word in words):  # double or edge spaces: folding would not give them back
        return [value]
    lines = [words[0]]
    for word in words[1:]:
        if len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines
