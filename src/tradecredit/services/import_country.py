"""Import kind for country ratings from official or insurer sources (`tradecredit country import FILE`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tradecredit.domain.country import CountryRating, new_rating
from tradecredit.services.fields import RowValues, not_after
from tradecredit.services.import_base import ImportKind, changed, write

if TYPE_CHECKING:
    from tradecredit.services.imports import ImportContext, Staged


class CountryRatingKind(ImportKind):
    """Ratings are history: a new date adds a rating; the same country, scale and date again must not differ."""

    name = "country_ratings"
    required = ("country", "scale", "grade", "as_of", "source")
    optional = ("short_term",)
    key_columns = ("country", "scale", "as_of")

    def __init__(self) -> None:
        self.inserted: list[CountryRating] = []

    def key(self, row: RowValues) -> Any:
        return tuple(row.cells.get(column, "").strip().upper() for column in self.key_columns)

    def parse(self, row: RowValues, context: ImportContext) -> CountryRating:
        as_of = row.date("as_of")
        assert as_of is not None
        return new_rating(country=row.required("country"), scale=row.required("scale").lower(),
                          grade=row.required("grade"), as_of=not_after(as_of, context.today, "as_of"),
                          source=row.required("source"), short_term=row.integer("short_term"))

    def stage(self, batch: list[Staged], context: ImportContext) -> None:
        repository = context.uow.country_ratings
        existing = repository.existing([(s.record.country, s.record.scale.value, s.record.as_of) for s in batch])
        inserts: list[dict[str, Any]] = []
        for staged in batch:
            rating: CountryRating = staged.record
            values = {"country": rating.country, "scale": rating.scale.value, "as_of": rating.as_of,
                      "label": rating.label, "grade": rating.grade, "source": rating.source[:200]}
            old = existing.get((rating.country, rating.scale.value, rating.as_of))
            if old is None:
                inserts.append({**values, "imported_by": context.actor[:100], "imported_at": context.now})
                self.inserted.append(rating)
                context.inserted += 1
            elif changed(old, values):
                context.error(staged.line, "grade", f"{rating.country} already has a {rating.scale.value} rating "
                                                    f"dated {rating.as_of} ({old['label']}, {old['source']}); "
                                                    "ratings are history and are not changed")
            else:
                context.unchanged += 1
        write(context, inserts, [], repository)

    def finish(self, context: ImportContext) -> None:
        """Record a grade-change event wherever a new rating moves the country's effective grade."""
        from tradecredit.services.country import shipped_grade

        for rating in sorted(self.inserted, key=lambda r: (r.country, r.as_of)):
            prior = context.uow.country_ratings.latest(rating.country, rating.as_of, before=True)
            shipped = shipped_grade(rating.country, rating.as_of)
            old_grade = prior.grade if prior else shipped.grade if shipped else None
            if old_grade != rating.grade:
                context.uow.country_events.add(country=rating.country, effective_on=rating.as_of,
                                               old_grade=old_grade, new_grade=rating.grade,
                                               source=rating.source[:200], recorded_at=context.now)
                context.notes["grade_changes"] = context.notes.get("grade_changes", 0) + 1
