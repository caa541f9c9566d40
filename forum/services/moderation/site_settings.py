"""Admins change the site settings (forum/services/site_settings.py holds them and reads them);
each change is audited with its old and new value."""
from __future__ import annotations

import math
from typing import Any

from forum import policy
from forum.errors import ValidationError
from forum.extensions import db
from forum.i18n import _
from forum.models import SiteSetting, utcnow
from forum.services.moderation.auditing import audit
from forum.services.site_settings import SETTINGS, Setting, forget, settings


def _parse(spec: Setting, raw: Any) -> float | int:
    """One setting's new value, or a ValidationError with the message for its field."""
    try:
        number = float(str(raw).strip())
    except ValueError:
        raise ValidationError(_("Enter a number.")) from None
    if not math.isfinite(number) or not spec.minimum <= number <= spec.maximum:
        raise ValidationError(_("Enter a number from %(low)s to %(high)s.",
                                low=f"{spec.minimum:g}", high=f"{spec.maximum:g}"))
    if isinstance(spec.default, int) and number != int(number):
        raise ValidationError(_("Enter a whole number."))
    return number if isinstance(spec.default, float) else int(number)


def update_settings(actor: Any, values: dict[str, Any]) -> dict[str, float | int]:
    """Admins change the settings; each change is audited with its old and new value."""
    policy.require(actor, "admin.settings")
    current = settings()
    errors: dict[str, list[str]] = {}
    parsed: dict[str, float | int] = {}
    for spec in SETTINGS:
        raw = values.get(spec.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            parsed[spec.key] = _parse(spec, raw)
        except ValidationError as exc:
            errors[spec.key] = [exc.message]
    if errors:
        raise ValidationError(_("Please correct the marked settings."), errors)
    now = utcnow()
    for key, value in parsed.items():
        if value == current[key]:
            continue
        row = db.session.get(SiteSetting, key)
        if row is None:
            db.session.add(SiteSetting(key=key, value=value, updated_at=now, updated_by_id=actor.id))
        else:
            row.value, row.updated_at, row.updated_by_id = value, now, actor.id
        audit(actor, "settings.change", "setting", 0, reason=key, before=str(current[key]), after=str(value))
    db.session.commit()
    forget()
    return settings()
