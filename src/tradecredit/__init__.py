"""TradeCredit: an open, self-hosted trade-credit risk platform."""

__version__ = "0.1.0"
