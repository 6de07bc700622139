from services.domain.estimate import estimate_wait_s, typical_service_s


def test_nobody_ahead_means_no_wait() -> None:
    assert estimate_wait_s(0, [300, 300, 300], 1, 300) == 0


def test_wait_scales_with_people_ahead_and_open_counters() -> None:
    assert estimate_wait_s(4, [120, 120, 120], 1, 300) == 480
    assert estimate_wait_s(4, [120, 120, 120], 2, 300) == 240
    assert estimate_wait_s(4, [120, 120, 120], 0, 300) == 480  # closed counters: assume one will open


def test_median_resists_a_forgotten_complete() -> None:
    assert typical_service_s([100, 110, 120, 9000], 300) == 115


def test_few_samples_blend_with_the_default() -> None:
    assert typical_service_s([], 300) == 300
    assert typical_service_s([30], 300) == 210
