"""Sending e-mail over SMTP with the standard library: the validated settings and one connection per run.

A run opens one connection when its first message is ready and reuses it for every recipient. A server that
refuses the connection, times out or breaks the conversation fails the message with its error, and the run's
remaining messages fail with the same error without another connection attempt (one timeout per run, not one
per recipient); a recipient the server refuses fails alone.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from types import TracebackType

from tradecredit.config import Settings
from tradecredit.domain.errors import ValidationError

MAX_ERROR = 500


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str  # the From header, e.g. "TradeCredit <credit@example.com>"
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    ssl: bool = False  # TLS from the first byte (port 465) instead of STARTTLS
    timeout: float = 10.0  # seconds, for connecting and for every reply

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        """The SMTP settings, or ValidationError naming the setting that is missing."""
        if not settings.smtp_host:
            raise ValidationError("smtp_host", "no SMTP server is set; set TRADECREDIT_SMTP_HOST (and "
                                               "TRADECREDIT_SMTP_FROM) to send e-mail")
        if not settings.smtp_from:
            raise ValidationError("smtp_from", "no sender address is set; set TRADECREDIT_SMTP_FROM, e.g. "
                                               "'TradeCredit <credit@example.com>'")
        if settings.smtp_password is not None and not settings.smtp_username:
            raise ValidationError("smtp_username", "smtp_password is set but smtp_username is not")
        password = settings.smtp_password.get_secret_value() if settings.smtp_password is not None else None
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.smtp_username or None,
                   password, settings.smtp_starttls, settings.smtp_ssl, settings.smtp_timeout_seconds)

    def __repr__(self) -> str:  # never print the password
        return f"SmtpConfig(host={self.host!r}, port={self.port}, sender={self.sender!r}, tls={self.mode})"

    @property
    def mode(self) -> str:
        return "ssl" if self.ssl else "starttls" if self.starttls else "none"


def message(*, sender: str, to: str, subject: str, text: str, html: str) -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML second (mail clients show the last they can)."""
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = sender
    mail["To"] = to
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    mail["Message-ID"] = make_msgid("tradecredit", domain=domain)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies are not sent back
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    return mail


class Mailer:
    """``with Mailer(config) as mailer: error = mailer.send(message)`` — None when the server accepted it."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None
        self._broken: str | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if config.ssl:
            smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        try:
            smtp.ehlo()
            if config.starttls and not config.ssl:
                smtp.starttls(context=context)
                smtp.ehlo()
            if config.username:
                smtp.login(config.username, config.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, mail: EmailMessage) -> str | None:
        """Send one message; the error as text when it was not accepted (never raises for SMTP or network)."""
        if self._broken is not None:
            return f"not tried: {self._broken}"
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            return _describe(error, self.config.timeout)
        except (smtplib.SMTPException, OSError) as error:
            self._broken = _describe(error, self.config.timeout)
            if self._smtp is not None:
                self._smtp.close()
                self._smtp = None
            return self._broken
        return None


def _describe(error: BaseException, timeout: float) -> str:
    """The error as the log shows it; a timeout (smtplib reports some as a closed connection) says so plainly."""
    text = str(error) or type(error).__name__
    if isinstance(error, TimeoutError) or text.endswith("timed out"):
        return f"SMTP server timed out (no answer within {timeout:g} s)"
    return f"{type(error).__name__}: {text}"[:MAX_ERROR]
