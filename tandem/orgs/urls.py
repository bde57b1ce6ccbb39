"""Organisation pages: the sponsor's (/org/...), the participant's (/programmes/...) and
staff's (/staff/organisations/). One module per area."""

from .exports import urls as exports
from .management_pages import urls as management_pages
from .participants import urls as participants
from .participants import urls_import as participants_import
from .programmes import urls as programmes
from .reporting import urls as reporting
from .sponsorship import urls as sponsorship

urlpatterns = [
    *programmes.urlpatterns,
    *participants.urlpatterns,
    *participants_import.urlpatterns,
    *sponsorship.urlpatterns,
    *reporting.urlpatterns,
    *exports.urlpatterns,
    *management_pages.urlpatterns,
]
