"""The feedback store and the cases: what officials record about the findings (rules.md, "Cases").

Dispositions, imports, the issue time of every case and the sign-in audit live in one transactional
SQLite database apart from the warehouse (store.py); rebuilding or deleting the warehouse never touches
it. `record.py` is the one write path for dispositions (scoped by county, validated, all-or-nothing);
`status.py` gives every case's status as of a time with the same SQL the warehouse's case mart uses.
"""
