"""DingTalk write side: an offer's status change told as a work notification (工作通知).

Endpoint (https://open-doc.dingtalk.com/microapp/serverapi2/pgoxpy; TOP https://developer.alibaba.com/docs/api.htm?apiId=37692):
``POST https://oapi.dingtalk.com/topapi/message/corpconversation/asyncsend_v2?access_token=`` with
``{agent_id, userid_list, msg: {msgtype: "text", text: {content}}}`` → ``{errcode: 0, task_id, request_id}``.
The people told are the ``notify_userids`` setting (DingTalk user ids, at most 100 a call); the route decides
which offers are told (a status rule: ``offer accepted -> dingtalk``).

A notification cannot be read back or updated, and DingTalk takes no idempotency key. What makes a
repeated delivery harmless: the text is a function of the delivery alone (it ends with the delivery's
key, ``hub-<route>-<offer>-<version>``), and DingTalk drops a message whose content one app already sent
the same user that day ("同一个微应用相同消息的内容同一个用户一天只能接收一次", "重复发送会发送成功但用户接收不到":
the send succeeds, the user is not told twice). Each version of an offer is a new status, so a new notification; the id
returned is DingTalk's ``task_id`` of the last one sent.

The payload is the ``reverse:`` section of hub/mappings/hr_suites/dingtalk/offer.yaml (the status as the
Chinese word the text shows, the start date, and from the entities the offer references — ``related`` —
the candidate's name and the job's title); ``notice_template`` (a setting) lays it out. The name goes to
the people told: the audit log records that the target was given it.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from hub.core.delivery import Delivery, RestDeliveryTarget
from hub.core.errors import MalformedPageError, PermanentConnectorError

__all__ = ["DEFAULT_TEMPLATE", "DingTalkWorkNotices", "notice_text"]

SEND_PATH = "/topapi/message/corpconversation/asyncsend_v2"
#: The users one notification call takes, and the bytes of its ``msg``.
MAX_RECIPIENTS = 100
MAX_MSG_BYTES = 2048
DEFAULT_TEMPLATE = "Offer {status}：{candidate_name}，{job_title}，入职日期 {start_date}（{key}）"


def notice_text(template: str, payload: dict[str, Any], key: str) -> str:
    """The notification's text: ``template`` filled from the payload and the delivery's key, a missing
    value shown as ``—``.

    Example:
        >>> notice_text(DEFAULT_TEMPLATE, {"status": "已接受", "candidate_name": "测试候选人", "start_date": None},
        ...             "hub-offers-o1-2")
        'Offer 已接受：测试候选人，—，入职日期 —（hub-offers-o1-2）'
    """
    values = {name: "—" if value in (None, "") else value for name, value in payload.items()}
    return template.format_map(_Blank({**values, "key": key}))


class _Blank(dict[str, str]):
    def __missing__(self, name: str) -> str:
        return "—"


class DingTalkWorkNotices(RestDeliveryTarget):
    """The write side of :class:`plugins.hr_suites.dingtalk.DingTalk` (mixed into it).

    Example:
        >>> DingTalkWorkNotices.writes
        ('offer',)
    """

    writes: ClassVar[tuple[str, ...]] = ("offer",)
    #: The person and the job the text names (the offer holds neither).
    related: ClassVar[dict[str, tuple[str, ...]]] = {"offer": ("candidate", "application.job")}
    settings: dict[str, Any]
    name: str

    def refusal(self, item: Delivery) -> PermanentConnectorError | None:
        """Refused before sending: no one to tell (``notify_userids``), more than DingTalk takes at once,
        a ``notice_template`` that is not one, or a message over DingTalk's 2048 bytes."""
        users = self._recipients()
        if not users:
            return self._refused(item, "no one to notify: set notify_userids (DingTalk user ids)")
        if len(users) > MAX_RECIPIENTS:
            return self._refused(item, f"{len(users)} users to notify; a work notification takes at most {MAX_RECIPIENTS}")
        try:
            size = len(json.dumps(self._message(item), ensure_ascii=False).encode())
        except (ValueError, IndexError, AttributeError) as exc:
            return self._refused(item, f"the notice_template setting is not a template: {exc}")
        if size > MAX_MSG_BYTES:
            return self._refused(item, f"the notification is {size} bytes; DingTalk takes at most {MAX_MSG_BYTES}")
        return None

    def deliver(self, item: Delivery) -> str:
        """Send the text notification; DingTalk's ``task_id`` of it."""
        body = {"agent_id": int(self.settings["agent_id"]), "userid_list": ",".join(self._recipients()),
                "msg": self._message(item)}
        answer = self.writer().post(SEND_PATH, json=body)
        try:
            task = answer.json().get("task_id")
        except (ValueError, AttributeError):
            task = None
        if task in (None, "") or isinstance(task, (bool, dict, list)):
            raise MalformedPageError("the work notification was answered without a task_id", system=self.name,
                                     entity=item.kind, record_id=item.entity_id)
        return str(task)

    def _message(self, item: Delivery) -> dict[str, Any]:
        text = notice_text(str(self.settings["notice_template"]), item.payload, item.key)
        return {"msgtype": "text", "text": {"content": text}}

    def _recipients(self) -> list[str]:
        users = self.settings.get("notify_userids") or []
        listed = users.split(",") if isinstance(users, str) else users
        return [str(user).strip() for user in listed if str(user).strip()]

    def _refused(self, item: Delivery, reason: str) -> PermanentConnectorError:
        return PermanentConnectorError(reason, system=self.name, entity=item.kind, record_id=item.entity_id)
