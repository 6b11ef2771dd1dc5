"""P(an open deal is won inside the as-of date's fiscal quarter): the forecast's deal probability."""
