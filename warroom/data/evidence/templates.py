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

Masking is the costly step, so it is cached too, by the message's *shape*:
the message with every ASCII digit turned into ``0``. No rule tells one digit
from another, so two messages of the same shape are masked at the same
places; when every digit is masked, the shape alone picks the template, and
otherwise the digits left visible (``jk2_init()``) are part of the key. A log
of a few thousand shapes is masked a few thousand times, whatever its length.

One configuration for every log (depth 4, similarity 0.5, 100 children per
node): measured grouping accuracy on the Loghub 2k samples is in the tests.
Memory is bounded by ``max_templates``: past it, a message that matches no
template is counted under one overflow template instead of creating another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

WILDCARD = "<*>"
_ZEROS = bytes.maketrans(b"0123456789", b"0000000000")
OVERFLOW_TEXT = "(other messages: the template limit was reached)"

MASK = re.compile(
    r"(?<![\w])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?!\w)"  # UUID
    r"|(?<=blk_)-?\d+"  # HDFS block id
    r"|(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?!\w|\.\w)"  # IPv4[:port]
    r"|(?<!\w)\d[xX][0-9a-fA-F]+(?!\w)"  # 0x hex (any leading digit: the rules must not tell digits apart)
    r"|(?<!\w)(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}(?!\w)"  # hex id (sha, pod hash)
    r"|(?<![\w/])/(?=[\w.:/-]*\d)[\w.:/-]+"  # path with a digit
    r"|(?<![\w.])[-+]?\d+(?:\.\d+)*(?:ns|us|µs|ms|s|m|h|d|%|[KMGTP]i?B|[kKMG])?(?!\w|\.\w)"  # number, duration, size
)

# A run of the same masked token is one variable-length list, kept once: two or more of a token with a
# literal part ("blk_<*> blk_<*>"), three or more bare ones ("<*> <*> <*>"; two may be two fields).
_RUN = re.compile(r"(?<!\S)((?=\S*<\*>)(?=\S*[^\s<>*])\S+|<\*>(?=\s+<\*>\s+<\*>))(?:\s+\1)+(?!\S)")

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


def mask(message: str) -> str:
    """``message`` with its variable parts replaced by ``<*>`` (a run of one masked token kept once)."""
    masked = MASK.sub(WILDCARD, message)
    if masked.count(WILDCARD) > 2:
        masked = _RUN.sub(r"\1", masked)
    return masked


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
        self._shapes: dict[bytes, _Cluster | tuple[int, ...]] = {}
        self._visible: dict[tuple[bytes, str], _Cluster] = {}
        self._overflow: Template | None = None

    def add(self, message: str) -> Template:
        """Put ``message`` into its template (creating or generalising one) and return the template."""
        shape = message.encode("utf-8", "surrogatepass").translate(_ZEROS)
        known = self._shapes.get(shape)
        if known.__class__ is _Cluster:
            cluster = known
        else:
            if known is not None:
                cluster = self._visible.get((shape, "".join([message[i] for i in known])))  # type: ignore[union-attr]
            else:
                cluster = None
            if cluster is None:
                cluster = self._add_new(message, shape)
                if cluster is None:
                    return self._overflowed()
        template = cluster.template  # type: ignore[union-attr]
        template.count += 1
        return template

    def _add_new(self, message: str, shape: bytes) -> _Cluster | None:
        """Mask ``message``, place it, and remember its shape (with the digits masking left visible)."""
        masked = mask(message)
        cluster = self._cache.get(masked)
        if cluster is None:
            cluster = self._place(masked.split())
            if cluster is None:
                return None
            if len(self._cache) >= self.cache_size:
                self._cache.clear()
            self._cache[masked] = cluster
        if len(self._shapes) >= self.cache_size:
            self._shapes.clear()
            self._visible.clear()
        visible = _visible_digits(message)
        if visible:
            self._shapes[shape] = visible
            self._visible[(shape, "".join([message[i] for i in visible]))] = cluster
        else:
            self._shapes[shape] = cluster
        return cluster

    def match(self, message: str) -> Template | None:
        """The template ``message`` would join, without changing anything."""
        masked = mask(message)
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

    def _place(self, tokens: list[str]) -> _Cluster | None:
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


def _visible_digits(message: str) -> tuple[int, ...]:
    """Where ``message`` has ASCII digits that masking leaves in place."""
    digits = [i for i, c in enumerate(message) if c in "0123456789"]
    if not digits:
        return ()
    spans = [m.span() for m in MASK.finditer(message)]
    return tuple(i for i in digits if not any(a <= i < b for a, b in spans))


def _has_digit(token: str) -> bool:
    return any(c.isdigit() for c in token)
