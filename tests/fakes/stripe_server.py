"""A small fake of Stripe's API on a real local HTTP server, for the real ``stripe`` SDK.

It speaks just enough of ``/v1`` for our gateway: payment intents (create, update, retrieve
with ``expand``, confirm, capture, cancel), refunds and disputes, with Stripe's form-encoded
requests, JSON shapes, error bodies and idempotency (same key + same parameters replays the
first answer; different parameters -> 400 ``idempotency_error``). Test controls are Python
methods: ``requests``, ``fail_next``, ``pay``, ``refund_outside``, ``open_dispute``,
``close_dispute``, ``intent``, ``charge``, ``event``, ``sign``, ``reset``.

Everything happens under one lock, so concurrent requests are applied one at a time (like
Stripe's per-object locking) and the fake is deterministic for a given request order.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

API_VERSION = "2026-10-28.endive"


@dataclass(frozen=True)
class TestCard:
    brand: str
    last4: str
    country: str = "US"
    decline_code: str | None = None
    decline_message: str = ""
    risk_level: str = "normal"
    risk_score: int = 20
    cvc_check: str = "pass"


# Stripe's test payment methods (https://docs.stripe.com/testing).
TEST_CARDS: dict[str, TestCard] = {
    "pm_card_visa": TestCard("visa", "4242"),
    "pm_card_mastercard": TestCard("mastercard", "4444"),
    "pm_card_chargeDeclined": TestCard(
        "visa", "0002", decline_code="generic_decline",
        decline_message="Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": TestCard(
        "visa", "9995", decline_code="insufficient_funds",
        decline_message="Your card has insufficient funds."),
    "pm_card_riskLevelElevated": TestCard("visa", "9235", risk_level="elevated",
                                          risk_score=65),
    # Stripe would block it; the fake lets it through so our own screening is tested.
    "pm_card_riskLevelHighest": TestCard("visa", "4954", risk_level="highest",
                                         risk_score=95),
    "pm_card_cvcCheckFail": TestCard("visa", "0101", cvc_check="fail"),
}
EXP_MONTH, EXP_YEAR = 12, 2034


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, Any]

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


@dataclass
class _Failure:
    method: str
    path_prefix: str
    status: int
    times: int
    after_apply: bool


class StripeAPIError(Exception):
    def __init__(self, status: int, type_: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message, **extra}}


def _fingerprint(payment_method: str) -> str:
    return hashlib.sha256(payment_method.encode()).hexdigest()[:16]


def parse_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's bracket encoding (``metadata[a]=1``, ``expand[0]=x``, ``expand[]=x``) to
    nested values; objects whose keys are all indices become lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head = key.split("[", 1)[0]
        parts = [head, *re.findall(r"\[([^\]]*)\]", key[len(head):])]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        last = parts[-1] or str(len(node))  # "[]" appends
        node[last] = value
    return _listify(root)


def _listify(value: Any) -> Any:
    if isinstance(value, dict):
        value = {k: _listify(v) for k, v in value.items()}
        if value and all(k.isdigit() for k in value):
            return [value[k] for k in sorted(value, key=int)]
    return value


class FakeStripe:
    """The fake's state and its test controls. ``start()`` serves it on ``self.url``."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self.url = ""
        self.reset()

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeStripe:
        fake = self

        class Handler(_Handler):
            stripe = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        threading.Thread(target=self._server.serve_forever, name="fake-stripe",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def reset(self) -> None:
        """Forget every object, request, failure and idempotency key (ids keep counting,
        so no id is ever reused within a run)."""
        with self._lock:
            self.intents: dict[str, dict[str, Any]] = {}
            self.charges: dict[str, dict[str, Any]] = {}
            self.refunds: dict[str, dict[str, Any]] = {}
            self.disputes: dict[str, dict[str, Any]] = {}
            self._requests: list[RecordedRequest] = []
            self._failures: list[_Failure] = []
            # Idempotency-Key -> (method, path, params, status, body)
            self._idempotency: dict[str, tuple[str, str, dict[str, Any], int, Any]] = {}

    # -- test controls -------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in order (a copy)."""
        with self._lock:
            return list(self._requests)

    def fail_next(self, method: str, path_prefix: str, status: int = 500, times: int = 1,
                  *, after_apply: bool = False) -> None:
        """Answer the next ``times`` requests matching ``method`` and ``path_prefix`` with
        ``status`` in Stripe's error shape, or with ``status=0`` by closing the connection
        without an answer (a network failure). By default before applying them (nothing
        happens); with ``after_apply`` the request takes effect (and is remembered under
        its idempotency key) and only the response is lost."""
        with self._lock:
            self._failures.append(_Failure(method.upper(), path_prefix, status, times,
                                           after_apply))

    def pay(self, intent_id: str, payment_method: str = "pm_card_visa") -> dict[str, Any]:
        """What Stripe.js does in the browser: confirm with a card. Returns the intent
        (with ``latest_charge`` expanded); a decline leaves ``last_payment_error`` set."""
        with self._lock:
            try:
                self._confirm(intent_id, payment_method)
            except StripeAPIError as exc:
                if exc.body["error"]["type"] != "card_error":
                    raise
            return self._render_intent(self.intents[intent_id],
                                       ["latest_charge", "latest_charge.refunds"])

    def refund_outside(self, intent_id: str, amount: int | None = None) -> dict[str, Any]:
        """A refund made in Stripe's dashboard (no API call of ours)."""
        with self._lock:
            return self._refund({"payment_intent": intent_id,
                                 **({"amount": str(amount)} if amount is not None else {})})

    def open_dispute(self, intent_id: str, reason: str = "fraudulent") -> dict[str, Any]:
        """The cardholder disputes the intent's charge (for what is left of it)."""
        with self._lock:
            charge = self.charges[self.intents[intent_id]["latest_charge"]]
            charge["disputed"] = True
            dispute = {
                "id": self._new_id("dp"), "object": "dispute",
                "amount": charge["amount_captured"] - charge["amount_refunded"],
                "currency": charge["currency"], "charge": charge["id"],
                "payment_intent": intent_id, "reason": reason, "status": "needs_response",
                "created": int(time.time()), "livemode": False, "metadata": {},
            }
            self.disputes[dispute["id"]] = dispute
            return dict(dispute)

    def close_dispute(self, dispute_id: str, won: bool) -> dict[str, Any]:
        with self._lock:
            dispute = self.disputes[dispute_id]
            dispute["status"] = "won" if won else "lost"
            return dict(dispute)

    def intent(self, intent_id: str) -> dict[str, Any]:
        """The intent as ``GET`` with everything expanded would show it."""
        with self._lock:
            return self._render_intent(self.intents[intent_id],
                                       ["latest_charge", "latest_charge.refunds"])

    def charge(self, intent_id: str) -> dict[str, Any]:
        """The intent's latest charge with its refunds, as ``charge.*`` events carry it."""
        with self._lock:
            return self._render_charge(self.charges[self.intents[intent_id]["latest_charge"]],
                                       with_refunds=True)

    def event(self, type: str, obj: dict[str, Any]) -> dict[str, Any]:
        """An event as Stripe would deliver it, with a fresh ``evt_`` id."""
        with self._lock:
            event_id = self._new_id("evt")
        return {"id": event_id, "object": "event", "api_version": API_VERSION,
                "created": int(time.time()), "type": type, "livemode": False,
                "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
                "data": {"object": obj}}

    @staticmethod
    def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
        """The ``Stripe-Signature`` header exactly as Stripe computes it."""
        t = int(time.time()) if timestamp is None else timestamp
        mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256)
        return f"t={t},v1={mac.hexdigest()}"

    # -- HTTP entry ----------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str],
               form: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        """One request: (status, JSON body, extra headers); status 0 = drop the connection."""
        with self._lock:
            self._requests.append(RecordedRequest(method, path, headers, form))
            failure = self._take_failure(method, path)
            if failure is not None and not failure.after_apply:
                return failure.status, self._server_error(), {}
            if not headers.get("authorization", "").startswith("Bearer sk_"):
                return 401, {"error": {"type": "invalid_request_error",
                                       "message": "Invalid API Key provided."}}, {}
            key = headers.get("idempotency-key") if method == "POST" else None
            if key is not None and key in self._idempotency:
                status, body, replay = self._replay(key, method, path, form)
            else:
                status, body = self._apply(method, path, form)
                replay = False
                # Stripe stores the outcome of every request that started executing.
                if key is not None and status < 500:
                    self._idempotency[key] = (method, path, form, status, body)
            if failure is not None:
                return failure.status, self._server_error(), {}
            return status, body, {"Idempotent-Replayed": "true"} if replay else {}

    def _take_failure(self, method: str, path: str) -> _Failure | None:
        for failure in self._failures:
            if failure.times > 0 and failure.method == method \
                    and path.startswith(failure.path_prefix):
                failure.times -= 1
                return failure
        return None

    @staticmethod
    def _server_error() -> dict[str, Any]:
        return {"error": {"type": "api_error",
                          "message": "An unknown error occurred (fake)."}}

    def _replay(self, key: str, method: str, path: str,
                form: dict[str, Any]) -> tuple[int, Any, bool]:
        first_method, first_path, first_form, status, body = self._idempotency[key]
        if (first_method, first_path, first_form) != (method, path, form):
            return 400, {"error": {
                "type": "idempotency_error",
                "message": "Keys for idempotent requests can only be used with the same "
                           "parameters they were first used with. Try using a key other "
                           f"than '{key}' if you meant to execute a different request."}}, \
                False
        return status, body, True

    def _apply(self, method: str, path: str, form: dict[str, Any]) -> tuple[int, Any]:
        try:
            return 200, self._route(method, path, form)
        except StripeAPIError as exc:
            return exc.status, exc.body

    def _route(self, method: str, path: str, form: dict[str, Any]) -> dict[str, Any]:
        expand = form.get("expand") or []
        if isinstance(expand, str):
            expand = [expand]
        parts = path.strip("/").split("/")
        match method, parts:
            case "POST", ["v1", "payment_intents"]:
                return self._render_intent(self._create_intent(form), expand)
            case "GET", ["v1", "payment_intents", intent_id]:
                return self._render_intent(self._get_intent(intent_id), expand)
            case "POST", ["v1", "payment_intents", intent_id]:
                return self._render_intent(self._update_intent(intent_id, form), expand)
            case "POST", ["v1", "payment_intents", intent_id, "confirm"]:
                self._get_intent(intent_id)
                return self._render_intent(
                    self._confirm(intent_id, form.get("payment_method", "")), expand)
            case "POST", ["v1", "payment_intents", intent_id, "capture"]:
                return self._render_intent(self._capture(intent_id, form), expand)
            case "POST", ["v1", "payment_intents", intent_id, "cancel"]:
                return self._render_intent(self._cancel(intent_id, form), expand)
            case "POST", ["v1", "refunds"]:
                return self._refund(form)
            case "GET", ["v1", "disputes", dispute_id]:
                if dispute_id not in self.disputes:
                    raise _missing("dispute", dispute_id)
                return dict(self.disputes[dispute_id])
        raise StripeAPIError(404, "invalid_request_error",
                             f"Unrecognized request URL ({method}: {path}).")

    # -- objects -------------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):010d}"

    def _get_intent(self, intent_id: str) -> dict[str, Any]:
        if intent_id not in self.intents:
            raise _missing("payment_intent", intent_id)
        return self.intents[intent_id]

    def _create_intent(self, form: dict[str, Any]) -> dict[str, Any]:
        amount = _amount(form, "amount", required=True)
        currency = str(form.get("currency", ""))
        if not currency or currency != currency.lower():
            raise _invalid("Invalid currency: use a lower-case ISO code.", "currency")
        capture_method = form.get("capture_method", "automatic")
        if capture_method not in {"automatic", "automatic_async", "manual"}:
            raise _invalid("Invalid capture_method.", "capture_method")
        intent_id = self._new_id("pi")
        secret = hashlib.sha256(intent_id.encode()).hexdigest()[:24]
        intent = {
            "id": intent_id, "object": "payment_intent", "amount": amount,
            "amount_capturable": 0, "amount_received": 0, "currency": currency,
            "capture_method": capture_method, "client_secret": f"{intent_id}_secret_{secret}",
            "created": int(time.time()), "latest_charge": None, "last_payment_error": None,
            "livemode": False, "metadata": dict(form.get("metadata") or {}),
            "payment_method": None, "status": "requires_payment_method",
            "canceled_at": None, "cancellation_reason": None,
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "always"},
        }
        self.intents[intent_id] = intent
        if form.get("payment_method") and form.get("confirm") == "true":
            self._confirm(intent_id, form["payment_method"])
        return intent

    def _update_intent(self, intent_id: str, form: dict[str, Any]) -> dict[str, Any]:
        intent = self._get_intent(intent_id)
        if intent["status"] not in {"requires_payment_method", "requires_confirmation",
                                    "requires_action"}:
            raise _unexpected_state(intent, "update")
        if "amount" in form:
            intent["amount"] = _amount(form, "amount", required=True)
        if "metadata" in form:
            intent["metadata"].update(form["metadata"])
        return intent

    def _confirm(self, intent_id: str, payment_method: str) -> dict[str, Any]:
        intent = self._get_intent(intent_id)
        if intent["status"] not in {"requires_payment_method", "requires_confirmation"}:
            raise _unexpected_state(intent, "confirm")
        card = TEST_CARDS.get(payment_method)
        if card is None:
            raise _missing("payment_method", payment_method)
        charge = self._new_charge(intent, payment_method, card)
        intent["latest_charge"] = charge["id"]
        intent["payment_method"] = payment_method
        if card.decline_code:
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {
                "type": "card_error", "code": "card_declined",
                "decline_code": card.decline_code, "message": card.decline_message,
                "charge": charge["id"], "payment_method": {"id": payment_method}}
            raise StripeAPIError(
                402, "card_error", card.decline_message, code="card_declined",
                decline_code=card.decline_code, charge=charge["id"],
                payment_intent=self._render_intent(intent, []))
        intent["last_payment_error"] = None
        if intent["capture_method"] == "manual":
            intent["status"] = "requires_capture"
            intent["amount_capturable"] = intent["amount"]
        else:
            intent["status"] = "succeeded"
            intent["amount_received"] = intent["amount"]
            charge["captured"] = True
            charge["amount_captured"] = intent["amount"]
        return intent

    def _new_charge(self, intent: dict[str, Any], payment_method: str,
                    card: TestCard) -> dict[str, Any]:
        declined = card.decline_code is not None
        charge = {
            "id": self._new_id("ch"), "object": "charge", "amount": intent["amount"],
            "amount_captured": 0, "amount_refunded": 0, "captured": False,
            "currency": intent["currency"], "created": int(time.time()), "disputed": False,
            "paid": not declined, "payment_intent": intent["id"],
            "payment_method": payment_method, "refunded": False,
            "status": "failed" if declined else "succeeded",
            "failure_code": "card_declined" if declined else None,
            "failure_message": card.decline_message or None,
            "outcome": {
                "type": "issuer_declined" if declined else "authorized",
                "network_status": "declined_by_network" if declined else "approved_by_network",
                "reason": card.decline_code, "risk_level": card.risk_level,
                "risk_score": card.risk_score, "seller_message": "Payment complete.",
            },
            "payment_method_details": {"type": "card", "card": {
                "brand": card.brand, "last4": card.last4, "exp_month": EXP_MONTH,
                "exp_year": EXP_YEAR, "fingerprint": _fingerprint(payment_method),
                "country": card.country, "funding": "credit",
                "checks": {"cvc_check": card.cvc_check,
                           "address_postal_code_check": "pass", "address_line1_check": None},
            }},
            "refund_ids": [],
        }
        self.charges[charge["id"]] = charge
        return charge

    def _capture(self, intent_id: str, form: dict[str, Any]) -> dict[str, Any]:
        intent = self._get_intent(intent_id)
        if intent["status"] != "requires_capture":
            raise _unexpected_state(intent, "capture")
        amount = _amount(form, "amount_to_capture") or intent["amount_capturable"]
        if amount > intent["amount_capturable"]:
            raise _invalid("The amount_to_capture cannot exceed the capturable amount.",
                           "amount_to_capture", code="amount_too_large")
        charge = self.charges[intent["latest_charge"]]
        charge["captured"] = True
        charge["amount_captured"] = amount
        # A partial capture releases the rest of the authorisation.
        intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
        return intent

    def _cancel(self, intent_id: str, form: dict[str, Any]) -> dict[str, Any]:
        intent = self._get_intent(intent_id)
        if intent["status"] in {"succeeded", "canceled"}:
            raise _unexpected_state(intent, "cancel")
        intent.update(status="canceled", amount_capturable=0, canceled_at=int(time.time()),
                      cancellation_reason=form.get("cancellation_reason"))
        return intent

    def _refund(self, form: dict[str, Any]) -> dict[str, Any]:
        if "payment_intent" in form:
            intent = self._get_intent(form["payment_intent"])
            charge_id = intent["latest_charge"]
        else:
            charge_id = form.get("charge")
        charge = self.charges.get(charge_id or "")
        if charge is None or not charge["captured"]:
            raise _invalid("This PaymentIntent does not have a successful charge to refund.",
                           "payment_intent")
        left = charge["amount_captured"] - charge["amount_refunded"]
        amount = _amount(form, "amount")
        amount = left if amount is None else amount
        if left <= 0:
            raise _invalid(f"Charge {charge['id']} has already been refunded.", "charge",
                           code="charge_already_refunded")
        if amount > left:
            raise _invalid(f"Refund amount ({amount}) is greater than unrefunded amount on "
                           f"charge ({left})", "amount", code="amount_too_large")
        reason = form.get("reason")
        if reason is not None and reason not in {"duplicate", "fraudulent",
                                                 "requested_by_customer"}:
            raise _invalid("Invalid reason.", "reason")
        refund = {
            "id": self._new_id("re"), "object": "refund", "amount": amount,
            "charge": charge["id"], "currency": charge["currency"],
            "created": int(time.time()), "metadata": dict(form.get("metadata") or {}),
            "payment_intent": charge["payment_intent"], "reason": reason,
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        charge["refund_ids"].append(refund["id"])
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
        return dict(refund)

    # -- rendering -----------------------------------------------------------------------

    def _render_intent(self, intent: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        body = json.loads(json.dumps(intent))
        if intent["latest_charge"] and "latest_charge" in expand:
            body["latest_charge"] = self._render_charge(
                self.charges[intent["latest_charge"]], "latest_charge.refunds" in expand)
        return body

    def _render_charge(self, charge: dict[str, Any], with_refunds: bool) -> dict[str, Any]:
        body = {k: v for k, v in json.loads(json.dumps(charge)).items() if k != "refund_ids"}
        if with_refunds:
            # Newest first, as Stripe lists.
            data = [dict(self.refunds[r]) for r in reversed(charge["refund_ids"])]
            body["refunds"] = {"object": "list", "data": data, "has_more": False,
                               "url": f"/v1/charges/{charge['id']}/refunds"}
        return body


def _amount(form: dict[str, Any], name: str, *, required: bool = False) -> Any:
    raw = form.get(name)
    if raw is None:
        if required:
            raise _invalid(f"Missing required param: {name}.", name,
                           code="parameter_missing")
        return None
    try:
        value = int(raw)
    except ValueError:
        raise _invalid(f"Invalid integer: {raw}", name) from None
    if value < 1:
        raise _invalid("This value must be greater than or equal to 1.", name)
    return value


def _invalid(message: str, param: str, code: str = "parameter_invalid_integer") -> Exception:
    return StripeAPIError(400, "invalid_request_error", message, param=param, code=code)


def _missing(kind: str, object_id: str) -> Exception:
    return StripeAPIError(404, "invalid_request_error", f"No such {kind}: '{object_id}'",
                          code="resource_missing", param="id")


def _unexpected_state(intent: dict[str, Any], action: str) -> Exception:
    return StripeAPIError(
        400, "invalid_request_error",
        f"You cannot {action} this PaymentIntent because it has a status of "
        f"{intent['status']}.", code="payment_intent_unexpected_state",
        payment_intent={"id": intent["id"], "status": intent["status"]})


class _Handler(BaseHTTPRequestHandler):
    stripe: FakeStripe
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, each answer
    # waited ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        pairs = parse_qsl(url.query, keep_blank_values=True)
        if method == "POST":
            pairs += parse_qsl(body, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload, extra = self.stripe.handle(method, url.path, headers,
                                                    parse_form(pairs))
        if status == 0:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", f"req_fake{id(payload) % 10**10:010d}")
        self.send_header("Stripe-Version", API_VERSION)
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass
