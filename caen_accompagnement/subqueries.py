"""Correlated subqueries shared by the apps' QuerySets."""

from django.db.models import IntegerField, Subquery


class SubqueryCount(Subquery):
    """The number of rows of `queryset` (correlated through OuterRef)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


def count_of(queryset):
    """`SubqueryCount` of `queryset`'s ids: on a sorted, LIMITed page PostgreSQL computes it
    for the page's rows only, after the sort."""
    return SubqueryCount(queryset.order_by().values("pk"))
