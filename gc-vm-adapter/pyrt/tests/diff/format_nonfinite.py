# format() of inf and nan in every float presentation (pyrt panicked on "e").
for v in (float('inf'), float('-inf'), float('nan'), 1.5, -0.0):
    for spec in ('e', 'E', '.3e', 'f', 'F', '.2f', 'g', 'G', '%', '.1%', '', '10.3e', '+e', '>8g'):
        print(repr(spec), format(v, spec))
