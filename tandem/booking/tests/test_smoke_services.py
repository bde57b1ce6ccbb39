from tandem.booking import services
from tandem.booking.models import Booking
from tandem.booking.tests.conftest import at


def test_book_reschedule_cancel(coach, session_type, bob):
    outcome = services.booking_create(
        client=bob,
        request=services.BookingRequest(coach=coach, session_type=session_type, start=at(5, 10)),
        idempotency_key="k1",
    )
    assert outcome.booking.status == Booking.Status.CONFIRMED
    again = services.booking_create(
        client=bob,
        request=services.BookingRequest(coach=coach, session_type=session_type, start=at(5, 10)),
        idempotency_key="k1",
    )
    assert again.replayed and again.booking.pk == outcome.booking.pk
    moved = services.booking_reschedule(
        booking_id=outcome.booking.public_id, user=bob, start=at(5, 10, 30)
    )
    assert moved.start == at(5, 10, 30) and moved.sequence == 1
    result = services.booking_cancel(
        booking_id=outcome.booking.public_id, user=bob, reason_code="illness"
    )
    assert result.booking.status == Booking.Status.CANCELLED
