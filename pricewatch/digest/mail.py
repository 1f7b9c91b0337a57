"""Send the digest by e-mail: HTML body, CSV attached, over SMTP (STARTTLS and login when configured).

``[mail]`` in pricewatch.toml: ``host``, ``port`` (25), ``starttls`` (false), ``username``, ``password`` (or the
environment variable named by ``password_env``), ``sender``, ``recipients`` (list).
"""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage

from pricewatch.digest.build import LABELS, Digest
from pricewatch.errors import ConfigError
from pricewatch.store.engine import Database


def send_digest(db: Database, digest: Digest) -> list[str]:
    """Send ``digest`` to the configured recipients; returns them."""
    mail = db.settings.section("mail")
    recipients = mail.get("recipients") or []
    if not mail.get("host") or not recipients:
        raise ConfigError("e-mail needs [mail] host and recipients in pricewatch.toml")
    message = EmailMessage()
    message["Subject"] = f"{LABELS[db.settings.language]['title']} {digest.day}: {digest.counts['new']} new, " \
                         f"{digest.counts['continuing']} continuing, {digest.counts['closed']} closed"
    message["From"] = mail.get("sender", "pricewatch@localhost")
    message["To"] = ", ".join(recipients)
    message.set_content("This digest is HTML; the alerts are also attached as CSV.")
    message.add_alternative(digest.html, subtype="html")
    # as text with an explicit UTF-8 charset: Chinese titles and "…" must survive the mail client
    message.add_attachment(digest.csv, subtype="csv", charset="utf-8",
                           filename=f"digest-{digest.day.isoformat()}.csv")
    password = mail.get("password") or (os.environ.get(mail["password_env"]) if mail.get("password_env") else None)
    with smtplib.SMTP(mail["host"], int(mail.get("port", 25)), timeout=30) as smtp:
        if mail.get("starttls"):
            smtp.starttls()
        if mail.get("username"):
            smtp.login(mail["username"], password or "")
        smtp.send_message(message)
    return list(recipients)
