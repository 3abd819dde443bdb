import pandas as pd
import pytest

from pop_pipeline.ranking.data.recent_action_splits import PAPER_TEST_ACTIONS, recent_action_splits


def at(hours: int) -> pd.Timestamp:
    return pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=hours)


# user a: five actions, r3 and r4 at the same time (r4 sorts last: the more recent);
# user b: one action; user c: two
ACTIONS = pd.DataFrame(
    [
        ("r5", "a", "t5", at(5)),
        ("r1", "a", "t1", at(1)),
        ("r4", "a", "t4", at(3)),
        ("r3", "a", "t3", at(3)),
        ("r2", "a", "t2", at(2)),
        ("r6", "b", "t1", at(4)),
        ("r8", "c", "t2", at(9)),
        ("r7", "c", "t9", at(8)),
    ],
    columns=["retweet_id", "user_id", "tweet_id", "retweeted_at"],
)


def test_sorted_output_with_recency_ranks():
    splits = recent_action_splits(ACTIONS, test_actions=2)
    assert list(splits.columns) == [
        "retweet_id", "user_id", "tweet_id", "retweeted_at", "recency_rank", "split"
    ]  # fmt: skip
    assert splits.retweet_id.tolist() == ["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8"]
    assert splits.recency_rank.tolist() == [4, 3, 2, 1, 0, 0, 1, 0]


def split_of(splits: pd.DataFrame) -> dict[str, str]:
    return dict(zip(splits.retweet_id, splits.split, strict=True))


@pytest.mark.parametrize(
    ("kwargs", "test_ids"),
    [
        ({"test_actions": 2}, {"r4", "r5", "r8"}),  # c keeps one for training
        ({"test_fraction": 0.5}, {"r3", "r4", "r5", "r8"}),  # a: ceil(2.5) = 3
        ({}, {"r5", "r8"}),  # default 0.2: a: ceil(1.0) = 1, c: ceil(0.4) = 1
        ({"test_actions": 2, "min_train_actions": 0}, {"r4", "r5", "r6", "r7", "r8"}),
        ({"test_actions": 2, "min_train_actions": 2}, {"r4", "r5"}),  # b and c: train only
        ({"test_actions": PAPER_TEST_ACTIONS}, {"r2", "r3", "r4", "r5", "r8"}),
        ({"test_actions": 0}, set()),
    ],
)
def test_most_recent_actions_of_each_user_are_test(kwargs, test_ids):
    splits = recent_action_splits(ACTIONS, **kwargs)
    assert {r for r, s in split_of(splits).items() if s == "test"} == test_ids
    assert set(splits.split) <= {"train", "test"} and len(splits) == len(ACTIONS)


def test_test_actions_are_later_than_the_users_training_actions():
    splits = recent_action_splits(ACTIONS, test_fraction=0.5)
    for _, user in splits.groupby("user_id"):
        train, test = user[user.split == "train"], user[user.split == "test"]
        if len(test) and len(train):
            assert train.retweeted_at.max() <= test.retweeted_at.min()


def test_ties_break_on_tweet_id_without_retweet_ids_and_iso_strings_parse():
    frame = ACTIONS.drop(columns="retweet_id").assign(
        retweeted_at=ACTIONS.retweeted_at.dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    )
    frame.loc[frame.tweet_id == "t4", "tweet_id"] = "t0"  # now sorts before t3 at the same time
    splits = recent_action_splits(frame, test_actions=2)
    assert "retweet_id" not in splits.columns
    a_test = splits[(splits.user_id == "a") & (splits.split == "test")]
    assert sorted(a_test.tweet_id) == ["t3", "t5"]


def test_deterministic_under_row_order():
    first = recent_action_splits(ACTIONS, test_fraction=0.4)
    again = recent_action_splits(ACTIONS.sample(frac=1, random_state=3), test_fraction=0.4)
    pd.testing.assert_frame_equal(first, again)


def test_bad_arguments():
    with pytest.raises(ValueError, match="not both"):
        recent_action_splits(ACTIONS, test_actions=1, test_fraction=0.2)
    with pytest.raises(ValueError):
        recent_action_splits(ACTIONS, test_fraction=1.5)
    with pytest.raises(ValueError):
        recent_action_splits(ACTIONS, test_actions=-1)
    with pytest.raises(ValueError):
        recent_action_splits(ACTIONS, min_train_actions=-1)
    empty = recent_action_splits(ACTIONS.iloc[:0], test_actions=1)
    assert empty.empty and "split" in empty.columns
