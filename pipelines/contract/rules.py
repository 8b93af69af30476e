"""The rules of rules.md by id, in catalogue order: the generator, the data contracts and the tests read
this one list (each dataset's seed `warning_rules` sets which are enabled and their parameters)."""

RULE_IDS: tuple[str, ...] = ("W01", "W02", "W03", "W04", "W05", "W06", "W07", "W08", "V01", "V02", "V03", "V04")
