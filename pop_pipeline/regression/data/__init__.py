"""What a regression model trains and is tested on: targets, splits, vocabularies and features."""
