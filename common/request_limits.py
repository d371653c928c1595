"""The limits every service's API gives its clients, as plain numbers: the CLI reads them without
importing the web stack that enforces them (common.pagination, common.query_lists)."""

MAX_PAGE_SIZE = 500  # items per page
MAX_LIST_ITEMS = 500  # values of one comma-separated query parameter
