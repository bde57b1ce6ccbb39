"""The organisations API: one router per area, mounted under /api/v1/ by tandem/api.py."""

from ninja import Router

from .exports import api as exports
from .management_pages import api as management_pages
from .participants import api as participants
from .participants import api_import as participants_import
from .programmes import api as programmes
from .reporting import api as reporting
from .sponsorship import api as sponsorship

router = Router()
for _area in (
    programmes,
    participants,
    participants_import,
    sponsorship,
    reporting,
    exports,
    management_pages,
):
    router.add_router("", _area.router)
