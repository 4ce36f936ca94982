"""The catalogue's pages: the first 1,000 results of any search, however many match.

Deep pages cost what the database spends skipping rows (an OFFSET of 49,980 reads and sorts them
all); nobody reads page 2,500 of a catalogue, and real search engines stop early too. The count
still says how many match, so the page can ask for a narrower search.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from exchange.api.pagination import PageNumberPagination

MAX_RESULTS = 1000


class CatalogPaginator(Paginator):
    @cached_property
    def num_pages(self) -> int:
        reachable = max(1, MAX_RESULTS // self.per_page) if self.per_page else 1
        return min(super().num_pages, reachable)

    @property
    def is_capped(self) -> bool:
        return self.count > self.num_pages * self.per_page


class CatalogPagination(PageNumberPagination):
    django_paginator_class = CatalogPaginator
