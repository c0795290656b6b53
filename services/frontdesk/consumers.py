"""Front desk subscribers: thin, typed, idempotent through the projections."""

from __future__ import annotations

from faststream.rabbit import RabbitBroker

from shared.consumer import Subscription
from shared.events import (
    CaseOpened,
    CaseReopened,
    CaseResolved,
    GuestAnonymized,
    GuestCreated,
    GuestMerged,
    GuestUpdated,
    HkTaskCompleted,
    RedemptionApplied,
    RedemptionWithdrawn,
    ReservationAmended,
    ReservationCancelled,
    ReservationCreated,
    ReservationNoShow,
    ReservationReconfirmed,
    RoomItemCheckReported,
    RoomOutOfOrderCancelled,
    RoomOutOfOrderChanged,
    RoomOutOfOrderScheduled,
    RoomStatusChanged,
    SurveyResultsShared,
)
from shared.topology import CONSUMER_QUEUES

from .points_allowances import PointsAllowances
from .projections import Projections
from .request_follow_up import RequestFollowUp


def register_consumers(broker: RabbitBroker, projections: Projections) -> None:
    queues = {queue.name: queue for queue in CONSUMER_QUEUES["frontdesk"]}
    requests_desk = RequestFollowUp(projections.repository, projections.folio.events_written)
    allowances = PointsAllowances(
        projections.repository, projections.folio.clock, projections.folio.events_written
    )

    def subscriber(name: str) -> Subscription:
        return Subscription(broker, queues[name])

    _follow_reservations(subscriber("frontdesk.reservation-events"), projections, allowances)
    _follow_rooms(subscriber("frontdesk.room-status"), projections)
    _follow_housekeeping_reports(
        subscriber("frontdesk.housekeeping-reports"), projections, requests_desk
    )
    _follow_guest_profiles(subscriber("frontdesk.guest-profiles"), projections)
    _follow_guest_relations(subscriber("frontdesk.guest-relations"), projections)


def _follow_reservations(
    queue: Subscription, projections: Projections, allowances: PointsAllowances
) -> None:
    """frontdesk.reservation-events: the arrivals list and the points paid for a booking."""

    @queue.handles(ReservationCreated)
    async def on_reservation_created(event: ReservationCreated) -> None:
        """Adds the booking to the arrivals list."""
        await projections.reservation_created(event)

    @queue.handles(ReservationAmended)
    async def on_reservation_amended(event: ReservationAmended) -> None:
        await projections.reservation_amended(event)

    @queue.handles(ReservationCancelled)
    async def on_reservation_cancelled(event: ReservationCancelled) -> None:
        await projections.reservation_cancelled(event)

    @queue.handles(ReservationNoShow)
    async def on_reservation_no_show(event: ReservationNoShow) -> None:
        await projections.reservation_no_show(event)

    @queue.handles(ReservationReconfirmed)
    async def on_reservation_reconfirmed(event: ReservationReconfirmed) -> None:
        """The arrivals list shows the tentative booking as firm (issue 18)."""
        await projections.reservation_reconfirmed(event)

    @queue.handles(RedemptionApplied)
    async def on_redemption_applied(event: RedemptionApplied) -> None:
        """Points paid for the booking: a payment on its folio, once (issue 18)."""
        await allowances.applied(event)

    @queue.handles(RedemptionWithdrawn)
    async def on_redemption_withdrawn(event: RedemptionWithdrawn) -> None:
        """An amendment dropped the redeemed night: the allowance leaves the arrival."""
        await allowances.withdrawn(event)


def _follow_rooms(queue: Subscription, projections: Projections) -> None:
    """frontdesk.room-status: which rooms are ready to give, and when they are out of order."""

    @queue.handles(RoomStatusChanged)
    async def on_room_status_changed(event: RoomStatusChanged) -> None:
        """Which rooms are ready to give."""
        await projections.room_status_changed(event)

    @queue.handles(RoomOutOfOrderScheduled)
    async def on_out_of_order_scheduled(event: RoomOutOfOrderScheduled) -> None:
        """A room not to give on the period's nights (promises.py)."""
        await projections.out_of_order(event, cancelled=False)

    @queue.handles(RoomOutOfOrderChanged)
    async def on_out_of_order_changed(event: RoomOutOfOrderChanged) -> None:
        await projections.out_of_order(event, cancelled=False)

    @queue.handles(RoomOutOfOrderCancelled)
    async def on_out_of_order_cancelled(event: RoomOutOfOrderCancelled) -> None:
        await projections.out_of_order(event, cancelled=True)


def _follow_housekeeping_reports(
    queue: Subscription, projections: Projections, requests_desk: RequestFollowUp
) -> None:
    """frontdesk.housekeeping-reports: a guest's request done, and what a room check found."""

    @queue.handles(HkTaskCompleted)
    async def on_task_completed(event: HkTaskCompleted) -> None:
        """A finished task that answered a guest's request closes it; the guest is told."""
        await requests_desk.task_completed(event)

    @queue.handles(RoomItemCheckReported)
    async def on_item_check_reported(event: RoomItemCheckReported) -> None:
        """Damages, missing items and minibar onto the folio."""
        await projections.item_check_reported(event)


def _follow_guest_profiles(queue: Subscription, projections: Projections) -> None:
    """frontdesk.guest-profiles: the guests the desk recognises, merged and erased."""

    @queue.handles(GuestCreated)
    async def on_guest_created(event: GuestCreated) -> None:
        await projections.guest_profile(event)

    @queue.handles(GuestUpdated)
    async def on_guest_updated(event: GuestUpdated) -> None:
        await projections.guest_profile(event)

    @queue.handles(GuestMerged)
    async def on_guest_merged(event: GuestMerged) -> None:
        await projections.guest_merged(event)

    @queue.handles(GuestAnonymized)
    async def on_guest_anonymized(event: GuestAnonymized) -> None:
        await projections.guest_anonymized(event)


def _follow_guest_relations(queue: Subscription, projections: Projections) -> None:
    """frontdesk.guest-relations: guest relations' cases on the stays, and the questionnaires."""

    @queue.handles(CaseOpened)
    async def on_case_opened(event: CaseOpened) -> None:
        """An in-house case: the desk sees it before the guest departs."""
        await projections.case_opened(event)

    @queue.handles(CaseResolved)
    async def on_case_resolved(event: CaseResolved) -> None:
        """The case is resolved: its alert leaves the stay."""
        await projections.case_resolved(event)

    @queue.handles(CaseReopened)
    async def on_case_reopened(event: CaseReopened) -> None:
        """The guest was not satisfied: the alert is back on their in-house stay."""
        await projections.case_reopened(event)

    @queue.handles(SurveyResultsShared)
    async def on_survey_results_shared(event: SurveyResultsShared) -> None:
        """The guest's latest questionnaire, shown when the desk next recognises them."""
        await projections.survey_results_shared(event)
