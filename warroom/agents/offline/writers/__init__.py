"""Step writers for the offline investigator, one function per :class:`Task`."""

from __future__ import annotations

from collections.abc import Callable

from warroom.agents.backend import Task
from warroom.agents.offline.writers import comms, escalation, mitigation, review, rootcause, sre, triage
from warroom.agents.offline.writers.common import Step

Writer = Callable[[Step], None]

WRITERS: dict[Task, Writer] = {
    Task.INCIDENT_RECORD: triage.incident_record,
    Task.INITIAL_ALERT: triage.initial_alert,
    Task.IMPACT_ASSESSMENT: triage.impact_assessment,
    Task.URGENCY_ASSESSMENT: triage.urgency_assessment,
    Task.SEVERITY_PROPOSAL: triage.severity_proposal,
    Task.TIER1_DATA: escalation.tier1_data,
    Task.TIER2_HYPOTHESIS: escalation.tier2_hypothesis,
    Task.TIER3_ASSESSMENT: escalation.tier3_assessment,
    Task.MANAGEMENT_NOTIFICATION: escalation.management_notification,
    Task.EXECUTIVE_NOTIFICATION: escalation.executive_notification,
    Task.STATUS_PAGE_UPDATE: escalation.status_page_update,
    Task.FIVE_WHYS: rootcause.five_whys,
    Task.CONTRIBUTING_FACTORS: rootcause.contributing_factors,
    Task.MITIGATION_RECOMMENDATION: mitigation.mitigation_recommendation,
    Task.MITIGATION_EXECUTION: mitigation.mitigation_execution,
    Task.VALIDATION: mitigation.validation,
    Task.RESOLUTION_COMMUNICATION: comms.resolution_communication,
    Task.PIR_INVITE: review.pir_invite,
    Task.POST_INCIDENT_REVIEW: review.post_incident_review,
    Task.PREVENTIVE_ACTIONS: review.preventive_actions,
    Task.RUNBOOK_UPDATE: review.runbook_update,
    Task.KNOWLEDGE_BASE_ARTICLE: review.knowledge_base_article,
    Task.OBSERVABILITY_SWEEP: sre.observability_sweep,
    Task.INITIAL_MITIGATION: mitigation.initial_mitigation,
    Task.SECURITY_ASSESSMENT: sre.security_assessment,
    Task.PERFORMANCE_ANALYSIS: sre.performance_analysis,
    Task.FIX_DESIGN: mitigation.fix_design,
    Task.DEPLOYMENT_VALIDATION: mitigation.deployment_validation,
    Task.STAKEHOLDER_COMMUNICATION: comms.stakeholder_communication,
    Task.CUSTOMER_IMPACT: comms.customer_impact,
    Task.MONITORING_ENHANCEMENTS: sre.monitoring_enhancements,
    Task.SYSTEM_HARDENING: sre.system_hardening,
}

__all__ = ["WRITERS", "Step", "Writer"]
