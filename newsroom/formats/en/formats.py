"""How the staff side prints dates and times (English). Every time names its zone: an
editor in another city must never guess whether "10:13" is theirs or the newsroom's."""

DATETIME_FORMAT = "D j M Y, H:i T"
SHORT_DATETIME_FORMAT = "j M, H:i T"
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i T"
