from __future__ import annotations

import datetime

import attrs

from comanaged_rcm.raci import (
    Activity,
    ActivityKind,
    Assignment,
    ChangeKind,
    DecisionRight,
    EscalationEdge,
    Permission,
    SplitDiff,
    System,
    co_managed_template,
    diff,
    matrix,
)
from tests.raci.strategies import add_party, set_cell, set_grant, set_right

T = co_managed_template()


class TestMatrix:
    def test_text(self) -> None:
        """The text table has a title, a header and one aligned line per in-scope activity."""
        lines = T.matrix().to_text().splitlines()
        assert lines[0] == "Co-managed revenue cycle: provider and partner v1 (RACI)"
        assert lines[1].split() == ["activity", *(p.id for p in T.parties)]
        assert lines[3].split() == ["eligibility.qa", "I", ".", ".", "R/A", ".", "."]
        assert len(lines) == 2 + 26
        assert str(T.matrix()) == T.matrix().to_text()
        assert repr(T.matrix()) == (
            "Matrix('Co-managed revenue cycle: provider and partner v1', RACI, 26 activities x 6 parties)"
        )

    def test_markdown(self) -> None:
        """Markdown has a centred column per party and empty cells left blank."""
        md = matrix(T).to_markdown().splitlines()
        assert md[0].startswith("| activity | client_rcm_director |")
        assert md[1] == "| --- |" + " :-: |" * 6
        assert md[2] == "| eligibility.verify |  |  | I | A | R | R |"
        assert matrix(T)._repr_markdown_() == matrix(T).to_markdown()

    def test_html_escapes(self) -> None:
        """The notebook view is an escaped HTML table with the activity name as a tooltip."""
        split = attrs.evolve(T, name="A <&> B")
        page = matrix(split)._repr_html_()
        assert page.startswith("<table><caption>A &lt;&amp;&gt; B v1 (RACI)</caption>")
        assert '<th title="Verify eligibility and benefits">eligibility.verify</th>' in page
        assert page.count("<tr>") == 27

    def test_broken_splits_display_as_they_are(self) -> None:
        """Unknown letters show after the scheme's; unknown ids and out-of-scope rows are left out."""
        split = set_cell(T, "denials.work", "client_cfo", "ZI")
        split = attrs.evolve(
            split,
            in_scope=T.in_scope - {"coding"},
            activities=(*split.activities, split.activities[0]),
            assignments=(
                *split.assignments,
                Assignment("denials.work", "ghost", "R"),
                Assignment("x", "y", "R"),
            ),
        )
        m = matrix(split)
        row = next(r for r in m.rows if r.activity == "denials.work")
        assert row.cells[1] == "I/Z"
        assert not any(r.workflow == "coding" for r in m.rows)
        assert len(m.rows) == 23


class TestDiff:
    def test_no_change(self) -> None:
        """Equal splits give an empty, falsy diff."""
        d = diff(T, T)
        assert not d
        assert len(d) == 0
        assert str(d) == "v1 -> v1: 0 change(s)"
        assert repr(d) == "SplitDiff(v1 -> v1, 0 changes)"

    def test_every_section(self) -> None:
        """Scope, parties, systems, activities, owners, rights, grants and escalations are compared."""
        new = add_party(T, "client_ceo")
        new = set_cell(new, "denials.work", "client_staff", "C")
        new = set_cell(new, "denials.work", "client_ceo", "I")
        new = set_cell(new, "coding.code", "client_staff", "")
        new = set_right(new, "refund", delegate="client_staff", threshold=250)
        new = set_grant(new, "offshore_pod", "ehr", denied={Permission.EXPORT})
        new = attrs.evolve(
            new,
            name="v2",
            version=2,
            effective_to=datetime.date(2027, 1, 1),
            in_scope=T.in_scope - {"appeals"},
            out_of_scope={"appeals", "telehealth"},
            systems=(*T.systems[:-1], System("statement_vendor", "New statement vendor")),
            activities=(
                *T.activities[1:],
                attrs.evolve(T.activities[0], name="Verify coverage"),
                Activity(id="denials.audit", workflow="denials", name="Audit", kind=ActivityKind.REVIEW),
            ),
            rights=(
                *new.rights[:-1],
                DecisionRight(decision="policy_exception", holder="client_cfo", threshold=10),
            ),
            grants=new.grants[1:],
            escalations=(*T.escalations, EscalationEdge("client_staff", "client_cfo")),
            delegation_caps={"write_off": 7500, "refund": 500},
        )
        d = diff(T, new)
        sections = {c.section for c in d.changes}
        assert sections == {
            "meta",
            "scope",
            "parties",
            "systems",
            "activities",
            "owners",
            "rights",
            "grants",
            "escalations",
        }
        text = [str(c) for c in d.changes]
        assert "meta changed: effective_to: open-ended -> 2027-01-01" in text
        assert "scope changed: appeals: in scope -> out of scope" in text
        assert "scope added: telehealth: out of scope" in text
        assert "parties added: client_ceo: client ceo (client_staff)" in text
        assert "systems changed: statement_vendor: Patient statement vendor -> New statement vendor" in text
        assert "owners changed: denials.work / client_staff: I -> C" in text
        assert "owners removed: coding.code / client_staff: C" in text
        assert "owners added: denials.work / client_ceo: I" in text
        assert (
            "rights changed: refund: held by client_cfo -> "
            "held by client_cfo, delegated to client_staff up to $250.00" in text
        )
        assert "rights removed: collection_agency_placement: held by client_cfo" in text
        assert "rights added: policy_exception: held by client_cfo, threshold $10.00" in text
        assert (
            "rights changed: write_off cap: delegates decide at most $10,000.00 -> "
            "delegates decide at most $7,500.00" in text
        )
        assert "rights removed: appeal_strategy cap: delegates decide at most $25,000.00" in text
        assert "rights added: refund cap: delegates decide at most $500.00" in text
        assert any(t.startswith("grants removed: client_rcm_director @ pm_system") for t in text)
        assert any(
            t.startswith("grants changed: offshore_pod @ ehr") and "(denied export)" in t for t in text
        )
        assert "escalations added: client_staff -> client_cfo: (no trigger stated)" in text
        assert any(c.kind is ChangeKind.CHANGED and c.section == "activities" for c in d.changes)
        assert [c.key for c in d.section("parties")] == ["client_ceo"]

    def test_renderings(self) -> None:
        """The diff prints as lines, a Markdown table and escaped HTML."""
        new = attrs.evolve(T, version=2, name="x <y>")
        d = diff(T, new)
        assert isinstance(d, SplitDiff)
        assert str(d).splitlines() == [
            "v1 -> v2: 2 change(s)",
            "  meta changed: name: Co-managed revenue cycle: provider and partner -> x <y>",
            "  meta changed: version: 1 -> 2",
        ]
        assert d.to_markdown().splitlines()[2:5] == [
            "| section | change | key | before | after |",
            "| --- | --- | --- | --- | --- |",
            "| meta | changed | name | Co-managed revenue cycle: provider and partner | x <y> |",
        ]
        assert d._repr_markdown_() == d.to_markdown()
        assert "<td>x &lt;y&gt;</td>" in d._repr_html_()

    def test_grant_without_permissions_or_review(self) -> None:
        """Grants render even with nothing granted and no review date."""
        new = set_grant(T, "offshore_pod", "ehr", permissions=frozenset(), review_by=None)
        (change,) = diff(T, new).changes
        assert change.after == "as ehr:offshore_pod: nothing; granted by client_rcm_director"
        assert change.before is not None
        assert change.before.endswith("review by 2026-06-30")

    def test_removed_and_unplaced_scope(self) -> None:
        """A workflow dropped from both lists is 'not placed'; one in both is 'in and out of scope'."""
        new = attrs.evolve(T, in_scope=T.in_scope - {"coding"}, out_of_scope={"eligibility"})
        text = [str(c) for c in diff(T, new).changes]
        assert text == [
            "scope changed: eligibility: in scope -> in and out of scope",
            "scope changed: coding: in scope -> not placed",
        ]
