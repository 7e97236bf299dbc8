"""WeCom write side: an offer's change announced as a markdown message, through an application
(``message/send``) or a group bot (``webhook/send``).

Endpoints:

* ``POST /cgi-bin/message/send?access_token=`` (https://developer.work.weixin.qq.com/document/path/90236)
  with ``{touser, toparty, totag, msgtype: "markdown", agentid, markdown: {content},
  enable_duplicate_check, duplicate_check_interval}`` → ``{errcode, errmsg, invaliduser, invalidparty,
  invalidtag, unlicenseduser, msgid}``; ``81013`` (every recipient invalid) is a refusal by the envelope;
* ``POST /cgi-bin/webhook/send?key=`` (https://developer.work.weixin.qq.com/document/path/91770) with
  ``{msgtype: "markdown", markdown: {content}}``: no access token, the bot's key is the credential;
  ``45009`` / ``130101`` ("send too fast", 20 a minute per bot) are throttling, retried.

What the message says is data: the ``reverse:`` section of hub/mappings/hr_suites/wecom/offer.yaml
names each line's label (Chinese, 状态 / 入职日期 …) and its value; the target writes them as
``label：value`` quote lines under a heading (the ``message_title`` setting), in the order the mapping
lists them. Markdown's own characters in a value are written full-width (``*`` → ``＊``): WeCom's markdown
documents no escape, and a name must not turn into formatting. The candidate's name and the job's title
come from the offer's references (:attr:`WeComMessages.related`); the candidate's name is PII sent to
the recipients, which the audit log records.

Repeats: a message cannot be looked up after it is sent, so a delivery repeated after a crash is kept
from being shown twice by WeCom's duplicate check (``enable_duplicate_check``, same content within
``duplicate_check_interval`` seconds, at most 4 h): the content ends with the delivery's key
(``hub-<route>-<offer>-<version>``), the same for a repeat and different for the next version. A group
bot has no duplicate check; a repeat there can be shown twice (said in docs/connectors/wecom.md).
Messages are not records: nothing is linked, so ``deliver`` returns None.

Settings (``message_channel`` ``app`` or ``bot``): ``agentid`` and at least one of ``touser`` /
``toparty`` / ``totag`` (``|``-separated, as WeCom writes them) for ``app``; ``bot_key`` for ``bot``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from hub.core.delivery import Delivery, RestDeliveryTarget
from hub.core.errors import HubError, PermanentConnectorError
from hub.core.http import HttpClient

__all__ = ["WeComMessages", "markdown_message"]

#: WeCom's limit on a markdown message's content (bytes, UTF-8), https://developer.work.weixin.qq.com/document/path/90236.
MARKDOWN_MAX_BYTES = 2048
#: The longest duplicate-check window ``message/send`` takes, in seconds (4 hours; the default 1800 is shorter).
DUPLICATE_CHECK_MAX = 14400
#: Markdown's own characters in a value, written as their full-width forms: WeCom documents no escape.
_PLAIN = str.maketrans({"*": "＊", "_": "＿", "`": "｀", "[": "［", "]": "］", "<": "＜", ">": "＞", "#": "＃", "\\": "＼"})


def markdown_message(title: str, lines: dict[str, Any], key: str) -> str:
    """The markdown content: a bold heading, one ``> label：value`` line per payload entry with a value
    (markdown's characters full-width), and the delivery key that makes a repeat identical.

    Example:
        >>> print(markdown_message("Offer 更新", {"状态": "已接受", "入职日期": "2024-07-01", "职位": None}, "hub-r-o1-2"))
        **Offer 更新**
        > 状态：已接受
        > 入职日期：2024-07-01
        <font color="comment">hub-r-o1-2</font>
    """
    body = [f"**{_escaped(title)}**"]
    body += [f"> {_escaped(label)}：{_escaped(value)}" for label, value in lines.items()
             if value not in (None, "", [], {})]  # fmt: skip
    body.append(f'<font color="comment">{_escaped(key)}</font>')
    return "\n".join(body)


def _escaped(value: Any) -> str:
    return str(value).translate(_PLAIN)


class WeComMessages(RestDeliveryTarget):
    """The write side of :class:`plugins.hr_suites.wecom.WeCom` (mixed into it).

    Example:
        >>> WeComMessages.writes
        ('offer',)
    """

    writes: ClassVar[tuple[str, ...]] = ("offer",)
    related: ClassVar[Mapping[str, tuple[str, ...]]] = {"offer": ("candidate", "application", "application.job")}
    #: The settings of the write side (the connector takes them as optional settings).
    message_settings: ClassVar[tuple[str, ...]] = ("message_channel", "agentid", "touser", "toparty", "totag",
                                                   "bot_key", "message_title", "duplicate_check_interval")
    settings: dict[str, Any]
    name: str

    def writer(self) -> HttpClient:
        """The pass's client; a group bot's carries no access token (its ``?key=`` is the credential)."""
        if self._http is None and self.settings.get("message_channel") == "bot":
            self._http = self.client(authenticated=False)  # type: ignore[attr-defined]
        return super().writer()

    def refusal(self, item: Delivery) -> HubError | None:
        """What can never be sent: no channel set up, or a message over WeCom's size limit."""
        channel = self.settings.get("message_channel")
        if channel not in ("app", "bot"):
            return self._refused(item, f"setting message_channel is 'app' or 'bot', not {channel!r}")
        if channel == "app" and not str(self.settings.get("agentid") or "").isdigit():
            return self._refused(item, "setting agentid (the number of the application sending) is not set")
        interval = str(self.settings.get("duplicate_check_interval") or DUPLICATE_CHECK_MAX)
        if channel == "app" and not (interval.isdigit() and 0 < int(interval) <= DUPLICATE_CHECK_MAX):
            return self._refused(item, f"setting duplicate_check_interval is seconds up to {DUPLICATE_CHECK_MAX} (4 h)")
        if channel == "app" and not any(self.settings.get(name) for name in ("touser", "toparty", "totag")):
            return self._refused(item, "none of the settings touser, toparty, totag names a recipient")
        if channel == "bot" and not self.settings.get("bot_key"):
            return self._refused(item, "setting bot_key (the group bot's webhook key) is not set")
        if len(self._content(item).encode()) > MARKDOWN_MAX_BYTES:
            return self._refused(item, f"the message is over WeCom's {MARKDOWN_MAX_BYTES} bytes")
        return None

    def deliver(self, item: Delivery) -> None:
        """Send the message; WeCom's answer is checked by the envelope (a failure raises)."""
        markdown = {"msgtype": "markdown", "markdown": {"content": self._content(item)}}
        if self.settings.get("message_channel") == "bot":
            self.writer().post("/webhook/send", params={"key": str(self.settings["bot_key"])}, json=markdown)
            return None
        recipients = {name: str(self.settings[name]) for name in ("touser", "toparty", "totag") if self.settings.get(name)}
        body = {**recipients, **markdown, "agentid": int(self.settings["agentid"]), "enable_duplicate_check": 1,
                "duplicate_check_interval": int(self.settings.get("duplicate_check_interval") or DUPLICATE_CHECK_MAX)}
        self.writer().post("/message/send", json=body)
        return None

    def _content(self, item: Delivery) -> str:
        title = str(self.settings.get("message_title") or "Offer")
        return markdown_message(title, dict(item.payload), item.key)

    def _refused(self, item: Delivery, reason: str) -> PermanentConnectorError:
        return PermanentConnectorError(reason, system=self.name, entity=item.kind, record_id=item.entity_id)
