"""Token usage and an estimate of what a call cost.

The price table is an *estimate* in USD per million tokens by model family, from
Anthropic's published list prices at the time of writing; the invoice is the
source of truth. Prompt-cache writes cost 1.25x the input price, cache reads
0.1x. An unknown model is priced as a Sonnet-class model and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

# family prefix -> (input, output) USD per million tokens; the first matching prefix wins.
PRICES: tuple[tuple[str, float, float], ...] = (
    ("claude-opus-4-0", 15.0, 75.0),
    ("claude-opus-4-1", 15.0, 75.0),
    ("claude-opus-4-2025", 15.0, 75.0),
    ("claude-3-opus", 15.0, 75.0),
    ("claude-opus", 5.0, 25.0),  # Opus 4.5 and later
    ("claude-sonnet", 3.0, 15.0),
    ("claude-3-7-sonnet", 3.0, 15.0),
    ("claude-3-5-sonnet", 3.0, 15.0),
    ("claude-haiku-4", 1.0, 5.0),
    ("claude-3-5-haiku", 0.8, 4.0),
    ("claude-3-haiku", 0.25, 1.25),
)
DEFAULT_PRICE = (3.0, 15.0)
CACHE_WRITE_FACTOR = 1.25
CACHE_READ_FACTOR = 0.1


def price_for(model: str) -> tuple[float, float]:
    """(input, output) USD per million tokens for ``model`` (Sonnet-class prices if unknown)."""
    for prefix, inp, out in PRICES:
        if model.startswith(prefix):
            return inp, out
    return DEFAULT_PRICE


@dataclass
class Usage:
    """Tokens of one step, summed over its calls."""

    input_tokens: int = 0  # uncached input
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    calls: int = 0

    def add(self, other: Usage) -> None:
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_read_tokens += other.cache_read_tokens
        self.cache_write_tokens += other.cache_write_tokens
        self.calls += other.calls

    @property
    def total_input(self) -> int:
        """Every input token the model processed, cached or not."""
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens

    def cost_usd(self, model: str) -> float:
        """Estimated cost in USD (list prices; see the module docstring)."""
        inp, out = price_for(model)
        per_token_in, per_token_out = inp / 1_000_000, out / 1_000_000
        return round(
            self.input_tokens * per_token_in
            + self.cache_write_tokens * per_token_in * CACHE_WRITE_FACTOR
            + self.cache_read_tokens * per_token_in * CACHE_READ_FACTOR
            + self.output_tokens * per_token_out,
            6,
        )
