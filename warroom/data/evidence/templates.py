"""Log template mining: a Drain-style fixed-depth parse tree over masked messages.

Drain (He et al., ICWS 2017) groups log messages into templates in one pass:
messages are routed by their token count, then by their first few tokens
(a token with a variable part goes down a shared ``<*>`` branch), and at the
leaf each message joins the most similar template when at least
``similarity`` of its tokens agree position by position; the positions that
differ become ``<*>``.

Before routing, variable parts are masked to ``<*>`` (:data:`MASK`): UUIDs,
HDFS block ids, IPv4 addresses (with port), hex numbers and hex ids, paths
containing digits, numbers with an optional unit (durations ``250ms``, sizes
``64MiB``, percentages), and a run of the same masked token (a list of block
ids) is kept once, so a list's length does not split a template. A message seen before in its masked form goes to
the same template without walking the tree (a bounded cache), which keeps the
grouping stable and makes repeated lines cheap.

Masking is the costly step, so it is cached at two levels. A line is keyed
by its *shape* (:mod:`~warroom.data.evidence.shapes`: ASCII digits turned into
``0``, each digit run reduced to what no rule can tell apart, so ``took 12 ms``
and ``took 123456 ms`` share one): lines of one shape mask alike, and when every
digit is masked the shape alone picks the template (digits left visible,
``jk2_init()``, join the key). When shapes still rarely repeat (hex ids, UUIDs)
the line cache switches itself off for a while and lines are masked token by
token (:class:`Masker`), each kind of token masked once by the regex, so the
cost stays per token, not per regex pass, whatever the numbers.

One configuration for every log (depth 4, similarity 0.5, 100 children per
node): measured grouping accuracy on the Loghub 2k samples is in the tests.
Memory is bounded by ``max_templates``: past it, a message that matches no
template is counted under one overflow template instead of creating another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from warroom.data.evidence.shapes import ZEROS as _ZEROS
from warroom.data.evidence.shapes import ShapeKeys
from warroom.data.redact import redact

WILDCARD = "<*>"
OVERFLOW_TEXT = "(other messages: the template limit was reached)"
_SAMPLE = 4096
_BYPASS = 65536
_BY_SHAPE, _MASK_ONLY = 0, 1
_LINES, _LINE_KEEP = 16_384, 256  # lines kept as they are (at most this long), for repeats

MASK = re.compile(
    r"(?<![\w])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?!\w)"  # UUID
    r"|(?<=blk_)-?\d+"  # HDFS block id
    r"|(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?!\w|\.\w)"  # IPv4[:port]
    r"|(?<!\w)\d[xX][0-9a-fA-F]+(?!\w)"  # 0x hex (any leading digit: the rules must not tell digits apart)
    r"|(?<!\w)(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}(?!\w)"  # hex id (sha, pod hash)
    r"|(?<![\w/])/(?=[\w.:/-]*\d)[\w.:/-]+"  # path with a digit
    r"|(?<![\w.])[-+]?\d+(?:\.\d+)*(?:ns|us|µs|ms|s|m|h|d|%|[KMGTP]i?B|[kKMG])?(?!\w|\.\w)"  # number, duration, size
)

_DIGIT_RUN = re.compile(r"[0-9]+")
_ANY_DIGIT = re.compile(r"[0-9]")

@dataclass
class Template:
    """A group of messages: its id (stable for the miner's life), masked text, and count so far."""

    template_id: int
    text: str
    count: int


@dataclass(slots=True)
class _Cluster:
    tokens: list[str]
    template: Template
    params: int = 0


@dataclass(slots=True)
class _Node:
    children: dict[str, "_Node"] = field(default_factory=dict)
    clusters: list[_Cluster] = field(default_factory=list)


class Masker:
    """Masks messages token by token, caching how each kind of token masks.

    No rule of :data:`MASK` crosses white space or tells one ASCII digit from another, and none starts
    or ends inside a run of digits; only three read a run's length (IPv4 octets of 1-3 digits and a port
    of up to 5, hex ids of 7 or more hex characters, UUIDs). So a token is keyed by its shape with each
    digit run reduced as far as no rule can tell (:func:`~warroom.data.evidence.shapes.reduce_shape`), and
    the key's masked form (a constant, or pieces naming the digit runs left visible) is found once by the
    regex: ``blk_-42`` and ``blk_-1234567``, ``/10.1.2.3:50010`` and ``/10.251.42.84:5001``, are each one
    key however many lines carry them.
    All-digit tokens and tokens with no digit take a fast path.
    """

    def __init__(self, cache_size: int = 50_000) -> None:
        self.cache_size = cache_size
        self._words: dict[str, str] = {}
        self._shapes: dict[bytes, str | tuple[str | int, ...]] = {}
        self._kinds: dict[object, str | tuple[str | int, ...]] = {}
        self._keys = ShapeKeys()

    def token(self, token: str) -> str:
        """``token`` with its variable parts replaced by ``<*>``."""
        known = self._words.get(token)
        if known is not None:
            return known
        if token.isdigit() and token.isascii():
            return WILDCARD
        shape = token.encode("utf-8", "surrogatepass").translate(_ZEROS)
        if b"0" not in shape and (len(token) < 36 or "-" not in token) and token.isascii():
            # No digit, and too short (or without the dashes) for a UUID: no rule can match.
            if len(self._words) >= self.cache_size:
                self._words.clear()
            self._words[token] = token
            return token
        plan = self._shapes.get(shape)
        if plan is None:
            plan = self._plan(shape, token)
            if len(self._shapes) >= self.cache_size:
                self._shapes.clear()
            self._shapes[shape] = plan
        if plan.__class__ is str:
            return plan  # type: ignore[return-value]
        runs = _DIGIT_RUN.findall(token)
        return "".join([piece if piece.__class__ is str else runs[piece] for piece in plan])  # type: ignore[index,misc]

    def _plan(self, shape: bytes, token: str) -> str | tuple[str | int, ...]:
        """The masked form of every token of ``shape``'s kind: a string, or pieces (an int names a visible digit run)."""
        key = self._keys.key_of(token, shape)
        plan = self._kinds.get(key)
        if plan is not None:
            return plan
        runs = [match.span() for match in _DIGIT_RUN.finditer(token)]
        pieces: list[str | int] = []
        cursor = 0
        for begin, end in [*(match.span() for match in MASK.finditer(token)), (len(token), len(token))]:
            for index, (run_begin, run_end) in enumerate(runs):  # what lies between two masked places
                if cursor <= run_begin and run_end <= begin:
                    pieces.append(token[cursor:run_begin])
                    pieces.append(index)
                    cursor = run_end
            pieces.append(token[cursor:begin])
            if begin < len(token):
                pieces.append(WILDCARD)
            cursor = end
        plan = _fold(pieces)
        if len(self._kinds) >= self.cache_size:
            self._kinds.clear()
        self._kinds[key] = plan
        return plan

    def mask(self, message: str) -> str:
        """``message`` masked, its tokens joined by one space, a run of one masked token kept once."""
        words = self._words
        token = self.token
        tokens: list[str] = []
        append = tokens.append
        previous = ""
        repeats = False
        for part in message.split():
            masked = words.get(part)
            if masked is None:
                masked = WILDCARD if part.isdigit() and part.isascii() else token(part)
            if masked == previous:
                repeats = True
            append(masked)
            previous = masked
        if repeats:
            joined = " ".join(tokens)
            if joined.count(WILDCARD) > 2:
                return " ".join(_collapse_runs(tokens))
            return joined
        return " ".join(tokens)

    def visible_runs(self, message: str) -> tuple[int, ...]:
        """Which of ``message``'s digit runs (by their place among its runs) masking leaves in place."""
        visible: list[int] = []
        place = 0
        for part in message.split():
            runs = _DIGIT_RUN.findall(part)
            if not runs:
                continue
            if not (part.isdigit() and part.isascii()) and part not in self._words:
                self.token(part)
                plan = self._shapes.get(part.encode("utf-8", "surrogatepass").translate(_ZEROS))
                if plan is not None and plan.__class__ is not str:
                    visible.extend(place + piece for piece in plan if piece.__class__ is int)  # type: ignore[operator,union-attr]
            place += len(runs)
        return tuple(visible)


def _fold(pieces: list[str | int]) -> str | tuple[str | int, ...]:
    """Adjacent strings joined; a plan with no visible run is one string."""
    folded: list[str | int] = []
    for piece in pieces:
        if piece.__class__ is str and folded and folded[-1].__class__ is str:
            folded[-1] = folded[-1] + piece  # type: ignore[operator]
        elif piece != "":
            folded.append(piece)
    if all(piece.__class__ is str for piece in folded):
        return "".join(folded)  # type: ignore[arg-type]
    return tuple(folded)


def _collapse_runs(tokens: list[str]) -> list[str]:
    """A run of one masked token kept once: two or more of a token with a literal part
    (``blk_<*> blk_<*>``), bare ones when three or more in a row start with ``<*>`` (``<*> <*> <*>``,
    ``<*> <*> <*>:<*>``; two alone may be two fields)."""
    out: list[str] = []
    i, count = 0, len(tokens)
    while i < count:
        token = tokens[i]
        j = i + 1
        while j < count and tokens[j] == token:
            j += 1
        run = j - i
        if run > 1 and WILDCARD in token:
            if token == WILDCARD:
                if run >= 3 or (j < count and tokens[j].startswith(WILDCARD)):
                    run = 1
            elif token.strip("<>*"):
                run = 1
        if run == 1:
            out.append(token)
        else:
            out.extend([token] * run)
        i = j
    return out


_MASKER = Masker()


def mask(message: str) -> str:
    """``message`` with its variable parts replaced by ``<*>`` (a run of one masked token kept once)."""
    return _MASKER.mask(message)


class TemplateMiner:
    """Groups messages into templates, one message at a time (see the module docstring)."""

    def __init__(self, *, depth: int = 4, similarity: float = 0.5, max_children: int = 100,
                 max_templates: int = 20_000, cache_size: int = 100_000) -> None:
        if depth < 3:
            raise ValueError("depth must be at least 3 (length layer, one token layer, leaves)")
        self.prefix = depth - 2
        self.similarity = similarity
        self.max_children = max_children
        self.max_templates = max_templates
        self.cache_size = cache_size
        self._root: dict[int, _Node] = {}
        self._templates: list[Template] = []
        self._cache: dict[str, _Cluster] = {}
        self._shapes: dict[object, _Cluster | tuple[int, ...]] = {}
        self._visible: dict[tuple[object, tuple[str, ...]], _Cluster] = {}
        self._lines: dict[str, _Cluster] = {}  # recent lines as they are (a repeated line costs one look-up)
        self._keys = ShapeKeys()
        self._masker = Masker()
        self._overflow: Template | None = None
        # The line cache pays when shapes repeat. When fewer than one in ten of _SAMPLE lines hit it (numbers
        # whose lengths vary), lines are masked without it for _BYPASS lines, then it is tried again.
        self._mode = _BY_SHAPE
        self._lookups = 0
        self._hits = 0

    def add(self, message: str) -> Template:
        """Put ``message`` into its template (creating or generalising one) and return the template."""
        cluster = self._lines.get(message)
        if cluster is not None:  # the same line again
            template = cluster.template
            template.count += 1
            return template
        mode = self._mode
        if mode == _MASK_ONLY:
            return self._add_masked(message)
        key = self._keys.key(message)
        known = self._shapes.get(key)
        self._lookups += 1
        if self._lookups >= _SAMPLE:
            self._judge_shapes()
        if known.__class__ is _Cluster:
            self._hits += 1
            cluster = known
        else:
            cluster = None
            if known is not None:
                runs = _DIGIT_RUN.findall(message)
                cluster = self._visible.get((key, tuple([runs[i] for i in known])))  # type: ignore[union-attr]
            if cluster is None:
                cluster = self._add_new(message, key)
                if cluster is None:
                    return self._overflowed()
            else:
                self._hits += 1
        if cluster.__class__ is _Cluster and len(message) <= _LINE_KEEP:
            lines = self._lines
            if len(lines) >= _LINES:
                lines.clear()
            lines[message] = cluster  # type: ignore[assignment]
        template = cluster.template  # type: ignore[union-attr]
        template.count += 1
        return template

    def _add_masked(self, message: str) -> Template:
        """``add`` without the shape cache: mask, then the masked text's cluster."""
        self._lookups += 1
        if self._lookups >= _BYPASS:  # look again: the log may have changed
            self._mode = _BY_SHAPE
            self._lookups = self._hits = 0
        masked = self._masker.mask(message)
        cluster = self._cache.get(masked)
        if cluster is None:
            cluster = self._place(masked.split(), message)
            if cluster is None:
                return self._overflowed()
            if len(self._cache) >= self.cache_size:
                self._cache.clear()
            self._cache[masked] = cluster
        template = cluster.template
        template.count += 1
        return template

    def _judge_shapes(self) -> None:
        """Mask without the line cache for a while when fewer than one in ten lines hit it."""
        if self._hits * 10 < self._lookups:
            self._mode = _MASK_ONLY
            self._shapes.clear()
            self._visible.clear()
        self._lookups = self._hits = 0

    def _add_new(self, message: str, key: object) -> _Cluster | None:
        """Mask ``message``, place it, and remember its shape key (with the digit runs masking left visible)."""
        masked = self._masker.mask(message)
        cluster = self._cache.get(masked)
        if cluster is None:
            cluster = self._place(masked.split(), message)
            if cluster is None:
                return None
            if len(self._cache) >= self.cache_size:
                self._cache.clear()
            self._cache[masked] = cluster
        if len(self._shapes) >= self.cache_size:
            self._shapes.clear()
            self._visible.clear()
        if _ANY_DIGIT.search(masked) is None:  # every digit masked: the shape alone gives the text
            self._shapes[key] = cluster
            return cluster
        # Digits left visible (``jk2_init()``) are part of the key. Masking takes or leaves whole digit runs
        # (no rule starts or ends inside one), so the visible ones are named by their place among the runs.
        places = self._masker.visible_runs(message)
        runs = _DIGIT_RUN.findall(message)
        self._shapes[key] = places
        self._visible[(key, tuple([runs[i] for i in places]))] = cluster
        return cluster

    def match(self, message: str) -> Template | None:
        """The template ``message`` would join, without changing anything."""
        masked = self._masker.mask(message)
        cluster = self._cache.get(masked)
        if cluster is None:
            tokens = masked.split()
            leaf = self._leaf(tokens, create=False)
            cluster = self._best(leaf.clusters, tokens) if leaf else None
        return cluster.template if cluster else None

    def templates(self) -> list[Template]:
        """Every template so far, by id (the overflow template, if any, last)."""
        return [*self._templates, *([self._overflow] if self._overflow else [])]

    # -- the tree --------------------------------------------------------------------------------
    def _leaf(self, tokens: list[str], *, create: bool) -> _Node | None:
        node = self._root.get(len(tokens))
        if node is None:
            if not create:
                return None
            node = self._root[len(tokens)] = _Node()
        for token in tokens[: self.prefix]:
            key = WILDCARD if (WILDCARD in token or _has_digit(token)) else token
            child = node.children.get(key)
            if child is None:
                child = node.children.get(WILDCARD) if len(node.children) >= self.max_children else None
                if child is None:
                    if not create:
                        return None
                    if len(node.children) >= self.max_children:
                        key = WILDCARD
                    child = node.children[key] = _Node()
            node = child
        return node

    def _best(self, clusters: list[_Cluster], tokens: list[str]) -> _Cluster | None:
        best: _Cluster | None = None
        best_key = (-1.0, -1)
        size = len(tokens)
        if size == 0:
            return clusters[0] if clusters else None
        for cluster in clusters:
            same = 0
            for mine, theirs in zip(cluster.tokens, tokens):
                if mine == theirs or mine == WILDCARD:
                    same += 1
            key = (same / size, cluster.params)
            if key > best_key:
                best, best_key = cluster, key
        return best if best is not None and best_key[0] >= self.similarity else None

    def _place(self, tokens: list[str], message: str | None = None) -> _Cluster | None:
        """The cluster ``tokens`` join (generalising it), or a new one.

        A new template is made from ``message`` redacted when it holds a secret: masking cuts tokens
        (``xoxb-<*>-<*>-secret``) so that no secret pattern matches the masked text, and the secret's
        tail would reach the template. Joining a template keeps only the tokens equal to its own, which
        came from a redacted message, so redaction runs once per template, not once per line.
        """
        leaf = self._leaf(tokens, create=True)
        assert leaf is not None
        cluster = self._best(leaf.clusters, tokens)
        if cluster is not None:
            merged = [mine if mine == theirs else WILDCARD for mine, theirs in zip(cluster.tokens, tokens)]
            if merged != cluster.tokens:
                cluster.tokens = merged
                cluster.params = merged.count(WILDCARD)
                cluster.template.text = " ".join(merged)
            return cluster
        if message is not None:
            cleaned = redact(message)
            if cleaned != message:
                return self._place(self._masker.mask(cleaned).split())
        if len(self._templates) >= self.max_templates:
            return None
        template = Template(len(self._templates) + 1, " ".join(tokens), 0)
        self._templates.append(template)
        cluster = _Cluster(tokens, template, tokens.count(WILDCARD))
        leaf.clusters.append(cluster)
        return cluster

    def _overflowed(self) -> Template:
        if self._overflow is None:
            self._overflow = Template(self.max_templates + 1, OVERFLOW_TEXT, 0)
        self._overflow.count += 1
        return self._overflow


def _has_digit(token: str) -> bool:
    return any(c.isdigit() for c in token)
