"""P(a deal dated outside the as-of date's fiscal quarter is won inside it): the forecast's pull-ins."""
