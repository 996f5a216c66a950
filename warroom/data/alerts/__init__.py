"""Alert intake: Alertmanager and PagerDuty payloads into normalised alerts and incidents.

Parsing lives in :mod:`.alertmanager` and :mod:`.pagerduty` (with the shared
severity table in :mod:`.severity` and safe JSON reading in :mod:`.payload`);
:mod:`.intake` turns parsed alerts into events in one store transaction.
"""

from warroom.data.alerts.alertmanager import parse_alertmanager
from warroom.data.alerts.pagerduty import parse_pagerduty
from warroom.data.alerts.payload import MAX_PAYLOAD_BYTES, AlertPayloadError, decode_json, read_payload_bytes

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "AlertPayloadError",
    "decode_json",
    "parse_alertmanager",
    "parse_pagerduty",
    "read_payload_bytes",
]
