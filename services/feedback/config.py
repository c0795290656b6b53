from pydantic import Field, field_validator

from shared.mail import SmtpSettings
from shared.services import SERVICE_PORTS
from shared.settings import ServiceSettings


class Settings(ServiceSettings, SmtpSettings):
    service_name: str = "feedback"
    required_secrets = ("survey_link_secret",)
    http_port: int = SERVICE_PORTS["feedback"]
    # Where guests open their survey; the response endpoint lives behind it.
    survey_base_url: str = "http://127.0.0.1:8004"
    # Signs survey links. The default is for a local run only; deployments set their own.
    survey_link_secret: str = "local-development-only"
    # A survey link stops working this many days after the survey was made (issue 15).
    survey_link_days: int = Field(default=60, ge=1, le=366)
    mailer_poll_seconds: float = Field(default=2.0, gt=0)
    mailer_lease_seconds: float = Field(default=60.0, gt=0)
    mailer_batch_size: int = Field(default=50, ge=1, le=1000)
    # SMS: where the local SMS sender writes its texts (numbers masked).
    sms_log_path: str = ".run/sms.log"
    # The questionnaire during the stay (issue 18): this long after check-in, if still in house.
    in_stay_survey_after_hours: float = Field(default=18.0, gt=0)
    # One reminder when a survey is still unanswered this long after the invitation.
    survey_reminder_after_hours: float = Field(default=72.0, gt=0)
    # Cases: how long the owner has, by severity, before a manager is brought in; then
    # how long the manager has. Overridable as JSON, e.g. CASE_DEADLINE_HOURS='{"high": 2}'.
    case_deadline_hours: dict[str, float] = {
        "critical": 1.0,
        "high": 4.0,
        "medium": 24.0,
        "low": 72.0,
    }
    case_escalation_hours: float = Field(default=4.0, gt=0)
    case_escalation_manager: str = "duty-manager"
    # Who owns a case a survey opens: nobody at the desk heard it first, so guest relations.
    survey_case_owner: str = "guest-relations"
    case_worker_poll_seconds: float = Field(default=5.0, gt=0)
    # Goodwill above this many points on one case needs a manager's credential.
    goodwill_manager_threshold: int = Field(default=1000, ge=0)

    @field_validator("case_deadline_hours")
    @classmethod
    def every_severity(cls, hours: dict[str, float]) -> dict[str, float]:
        missing = {"critical", "high", "medium", "low"} - hours.keys()
        if missing or any(value <= 0 for value in hours.values()):
            raise ValueError(f"case_deadline_hours needs a positive value for {sorted(missing)}")
        return hours
