"""What the hotel writes to a guest, in the guest's language. No I/O here.

A message has a stable id: a resend after a crash is recognisably the same message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Channel = Literal["email", "sms"]


@dataclass(frozen=True)
class GuestMessage:
    message_id: str  # stable per message: survey-<id>, survey-<id>-reminder, case-<id>-result
    channel: Channel
    to: str  # an e-mail address or a phone number
    subject: str
    body: str


_TEXTS = {
    "en": {
        "invitation_subject": "Thank you for staying at {hotel} - how was it?",
        "invitation": (
            "Dear {name},\n\nThank you for staying with us at {hotel}. We would like "
            "to hear how it went:\n{link}\n\nThe survey takes two minutes and helps "
            "us look after you better next time.\n\nGuest Relations, {hotel}\n"
        ),
        "reminder_subject": "A reminder: how was your stay at {hotel}?",
        "reminder": (
            "Dear {name},\n\nA few days ago we asked about your stay at {hotel}. If "
            "you have two minutes, we would still love to hear from you:\n{link}\n\n"
            "Guest Relations, {hotel}\n"
        ),
        "sms": "{hotel}: thank you for staying with us. How was it? {link}",
        "sms_reminder": "{hotel}: a reminder - we would still love to hear about your stay. {link}",
        "result_subject": "About your feedback to {hotel}",
        "result": (
            "Dear {name},\n\nThank you for telling us what went wrong. This is what we "
            "have done:\n\n{resolution}\n{goodwill}\nGuest Relations, {hotel}\n"
        ),
        "goodwill": "As an apology we have added {what} to your account.\n",
        "sms_result": "{hotel}: about your feedback - {resolution}",
        "improvement": "What we have changed so that it does not happen again:\n{improvement}\n",
        "satisfied": "Are you satisfied with how we handled it? One click tells us:\n{link}\n",
        "sms_satisfied": " Satisfied? {link}",
    },
    "zh": {
        "invitation_subject": "感谢您入住{hotel} - 请告诉我们您的感受",
        "invitation": (
            "尊敬的{name}:\n\n感谢您入住{hotel}。诚邀您花两分钟填写满意度调查:\n"
            "{link}\n\n您的意见将帮助我们下次更好地为您服务。\n\n{hotel} 宾客关系部\n"
        ),
        "reminder_subject": "温馨提醒:您对{hotel}的入住体验如何?",
        "reminder": (
            "尊敬的{name}:\n\n几天前我们邀请您评价在{hotel}的入住体验。"
            "如您方便,欢迎填写:\n{link}\n\n{hotel} 宾客关系部\n"
        ),
        "sms": "【{hotel}】感谢您的入住,请评价本次体验:{link}",
        "sms_reminder": "【{hotel}】温馨提醒:期待您评价本次入住体验:{link}",
        "result_subject": "关于您对{hotel}的反馈",
        "result": (
            "尊敬的{name}:\n\n感谢您告诉我们不足之处。我们的处理结果如下:\n\n"
            "{resolution}\n{goodwill}\n{hotel} 宾客关系部\n"
        ),
        "goodwill": "为表歉意,我们已为您的账户添加{what}。\n",
        "sms_result": "【{hotel}】关于您的反馈:{resolution}",
        "improvement": "为避免再次发生,我们已做出以下改进:\n{improvement}\n",
        "satisfied": "您对我们的处理满意吗?请点击告诉我们:\n{link}\n",
        "sms_satisfied": " 是否满意:{link}",
    },
}


def _texts(language: str) -> dict[str, str]:
    return _TEXTS.get(language, _TEXTS["en"])


def survey_message(
    *,
    survey_id: str,
    channel: Channel,
    to: str,
    name: str,
    language: str,
    hotel: str,
    link: str,
    reminder: bool,
) -> GuestMessage:
    texts = _texts(language)
    kind = "reminder" if reminder else "invitation"
    template = ("sms_reminder" if reminder else "sms") if channel == "sms" else kind
    body = texts[template].format(name=name, hotel=hotel, link=link)
    return GuestMessage(
        message_id=f"survey-{survey_id}{'-reminder' if reminder else ''}",
        channel=channel,
        to=to,
        body=body,
        subject=texts[f"{kind}_subject"].format(hotel=hotel),
    )


def case_result_message(
    *,
    case_id: str,
    channel: Channel,
    to: str,
    name: str,
    language: str,
    hotel: str,
    resolution: str,
    points: int | None,
    voucher: str | None,
    improvement: str | None = None,
    satisfaction_link: str | None = None,
) -> GuestMessage:
    """The result of the guest's case: what was done, what was changed so that it does not
    happen again, and a link asking whether they are satisfied (seed 002 8.3.2)."""
    texts = _texts(language)
    gifts = [f"{points} points" if language == "en" else f"{points}积分"] if points else []
    gifts += [voucher] if voucher else []
    goodwill = texts["goodwill"].format(what=", ".join(gifts)) if gifts else ""
    if improvement:
        goodwill += texts["improvement"].format(improvement=improvement)
    if channel == "sms":
        body = texts["sms_result"].format(hotel=hotel, resolution=resolution)
        if satisfaction_link:
            body += texts["sms_satisfied"].format(link=satisfaction_link)
    else:
        if satisfaction_link:
            goodwill += "\n" + texts["satisfied"].format(link=satisfaction_link)
        body = texts["result"].format(
            name=name, hotel=hotel, resolution=resolution, goodwill=goodwill
        )
    return GuestMessage(
        message_id=f"case-{case_id}-result",
        channel=channel,
        to=to,
        subject=texts["result_subject"].format(hotel=hotel),
        body=body,
    )


def reachable(contact: dict | None) -> tuple[Channel, str] | None:
    """E-mail when the guest gave one, else SMS to their phone, else not yet."""
    if not contact:
        return None
    if contact.get("email"):
        return "email", contact["email"]
    if contact.get("phone"):
        return "sms", contact["phone"]
    return None


def guest_name(contact: dict[str, Any] | None, language: str) -> str:
    contact = contact or {}
    first, last = contact.get("first_name") or "", contact.get("last_name") or ""
    if language == "zh":
        return f"{last}{first}" or "宾客"
    return first or "guest"
