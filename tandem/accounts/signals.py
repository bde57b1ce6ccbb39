"""Domain signals of accounts: how apps above accounts follow changes to a user.

Seams (issue 15): accounts sits below coaches, so it never calls coaches; it announces and
coaches receives (`tandem/coaches/receivers.py`, connected in `CoachesConfig.ready`). Both
are sent synchronously inside the change's transaction: a receiver's write commits or rolls
back with it, and a receiver's exception propagates to the caller (Django's `send`).

- `user_profile_changed(sender=User, user, fields)`: a user's profile was saved by
  `user_update_profile`; `fields` names the fields written (e.g. coaches refreshes the
  directory's search document when the display name is among them).
- `coach_application_approved(sender=CoachApplication, application)`: staff approved an
  application (`coach_application_decide`), inside a savepoint: receivers make the applicant
  a coach (coaches verifies their profile, creating it if needed). An IntegrityError from a
  receiver answers 409 and leaves the application pending.
"""

from django.dispatch import Signal

user_profile_changed = Signal()
coach_application_approved = Signal()
