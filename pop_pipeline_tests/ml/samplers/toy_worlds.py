"""Small random worlds (tweets, follows, retweets) on a minute scale for the sampler tests."""

import numpy as np
import pandas as pd

T0 = pd.Timestamp("2024-01-01", tz="UTC")


def at_minute(minutes: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=minutes)


def random_world(
    seed: int, n_users: int = 40, n_tweets: int = 300, n_retweets: int = 900, span_minutes=2000
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(retweets, tweets, follows): tweets spread over ``span_minutes``, retweets 0–3 h later."""
    rng = np.random.default_rng(seed)
    users = np.array([f"u{i}" for i in range(n_users)])
    tweets = pd.DataFrame(
        {
            "tweet_id": [f"t{i}" for i in range(n_tweets)],
            "author_id": rng.choice(users, n_tweets),
            "created_at": T0 + pd.to_timedelta(rng.integers(0, span_minutes, n_tweets), unit="m"),
        }
    )
    follows = pd.DataFrame(
        {"source_user_id": rng.choice(users, 300), "target_user_id": rng.choice(users, 300)}
    ).drop_duplicates()
    retweets = pd.DataFrame(
        {
            "user_id": rng.choice(users, n_retweets),
            "tweet_id": rng.choice(tweets.tweet_id, n_retweets),
        }
    ).drop_duplicates()
    created = retweets.tweet_id.map(tweets.set_index("tweet_id").created_at)
    retweets["retweeted_at"] = created + pd.to_timedelta(
        rng.integers(0, 180, len(retweets)), unit="m"
    )
    return retweets.reset_index(drop=True), tweets, follows.reset_index(drop=True)
