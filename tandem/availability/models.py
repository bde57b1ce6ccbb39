"""A coach's availability rules. Wall times are in the coach's zone (CoachProfile.timezone)."""

from django.db import models
from django.db.models import F, Q

from tandem.coaches.models import CoachProfile

WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"),
            (5, "Saturday"), (6, "Sunday")]  # fmt: skip


def _hm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


class WeeklyInterval(models.Model):
    """Open hours on a weekday, in wall-clock minutes after local midnight: [start, end)."""

    coach = models.ForeignKey(CoachProfile, on_delete=models.CASCADE, related_name="weekly")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    start_minute = models.PositiveSmallIntegerField()
    end_minute = models.PositiveSmallIntegerField()  # up to 1440 (24:00)

    class Meta:
        ordering = ["weekday", "start_minute"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="weekly_weekday_range"),
            models.CheckConstraint(
                condition=Q(start_minute__lt=F("end_minute")) & Q(end_minute__lte=1440),
                name="weekly_interval_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {_hm(self.start_minute)}–{_hm(self.end_minute)}"


class DateOverride(models.Model):
    """Different hours on one local date. A date with an override and no intervals is closed."""

    coach = models.ForeignKey(CoachProfile, on_delete=models.CASCADE, related_name="overrides")
    date = models.DateField()

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["coach", "date"], name="one_override_per_date"),
        ]

    def __str__(self) -> str:
        return f"Override {self.date}"


class OverrideInterval(models.Model):
    override = models.ForeignKey(DateOverride, on_delete=models.CASCADE, related_name="intervals")
    start_minute = models.PositiveSmallIntegerField()
    end_minute = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["start_minute"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_minute__lt=F("end_minute")) & Q(end_minute__lte=1440),
                name="override_interval_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{_hm(self.start_minute)}–{_hm(self.end_minute)}"


class TimeOff(models.Model):
    """A range (UTC instants) when the coach cannot be booked at all."""

    coach = models.ForeignKey(CoachProfile, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["coach", "end"], name="time_off_coach_end_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="time_off_order"),
        ]

    def __str__(self) -> str:
        return f"Time off {self.start:%Y-%m-%d %H:%M}–{self.end:%Y-%m-%d %H:%M} UTC"
