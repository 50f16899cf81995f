//! CPython 3.11's list sort (timsort with the powersort merge policy), over indices, asking
//! only `lt(x, y)`.
//!
//! Why a port instead of Rust's `sort_by`: Python's `<` need not be a total order (`nan`, a
//! `__lt__` that lies, one that raises), and Rust's sort may panic on an inconsistent order.
//! This one never assumes consistency (every index stays in bounds whatever `lt` answers), stops
//! at the first `Err` of `lt`, and asks the same comparisons in the same order as CPython's
//! `listsort` (run detection, binary insertion, `found_new_run`'s powers, `merge_at`'s
//! galloping, `min_gallop` adaptation), so even an inconsistent `<` gives CPython's result.
//!
//! It sorts a permutation of item indices: the caller's items are never moved until the order
//! is complete, so an exception leaves them as they were.

/// CPython's `MIN_GALLOP`.
const MIN_GALLOP: usize = 7;

/// A pending run: `a[base..base + len]`, and the power of its boundary with the next run.
struct Run {
    base: usize,
    len: usize,
    power: u32,
}

/// The order of `n` items sorted by `lt(i, j)` ("item `i` < item `j`"), stable: a
/// permutation of `0..n`. With `reverse`, reversed before and after, as CPython keeps
/// `reverse=True` stable. The first `Err` of `lt` is returned.
pub fn sort_perm<E>(
    n: usize,
    reverse: bool,
    mut lt: impl FnMut(usize, usize) -> Result<bool, E>,
) -> Result<Vec<usize>, E> {
    let mut a: Vec<usize> = (0..n).collect();
    if reverse {
        a.reverse();
    }
    if n >= 2 {
        sort(&mut a, &mut lt)?;
    }
    if reverse {
        a.reverse();
    }
    Ok(a)
}

/// CPython's `merge_compute_minrun`.
fn minrun(mut n: usize) -> usize {
    let mut r = 0;
    while n >= 64 {
        r |= n & 1;
        n >>= 1;
    }
    n + r
}

fn sort<E>(a: &mut [usize], lt: &mut impl FnMut(usize, usize) -> Result<bool, E>) -> Result<(), E> {
    let n = a.len();
    let min = minrun(n);
    let mut runs: Vec<Run> = Vec::new();
    let mut min_gallop = MIN_GALLOP;
    let mut lo = 0;
    while lo < n {
        let rem = n - lo;
        let (mut len, desc) = count_run(&a[lo..], lt)?;
        if desc {
            a[lo..lo + len].reverse();
        }
        if len < min {
            let force = rem.min(min);
            binary_insertion(&mut a[lo..lo + force], len, lt)?;
            len = force;
        }
        // `found_new_run`: merge while the run below the last has a greater power.
        if let Some(last) = runs.last() {
            let power = powerloop(last.base, last.len, len, n);
            while runs.len() > 1 && runs[runs.len() - 2].power > power {
                let i = runs.len() - 2;
                merge_at(a, &mut runs, i, lt, &mut min_gallop)?;
            }
            if let Some(last) = runs.last_mut() {
                last.power = power;
            }
        }
        runs.push(Run {
            base: lo,
            len,
            power: 0,
        });
        lo += len;
    }
    // `merge_force_collapse`.
    while runs.len() > 1 {
        let mut i = runs.len() - 2;
        if i > 0 && runs[i - 1].len < runs[i + 1].len {
            i -= 1;
        }
        merge_at(a, &mut runs, i, lt, &mut min_gallop)?;
    }
    Ok(())
}

/// CPython's `powerloop`: the power of the boundary between runs `[s1, s1 + n1)` and
/// `[s1 + n1, s1 + n1 + n2)` in a list of `n`.
fn powerloop(s1: usize, n1: usize, n2: usize, n: usize) -> u32 {
    let mut result = 0;
    let mut a = 2 * s1 + n1;
    let mut b = a + n1 + n2;
    loop {
        result += 1;
        if a >= n {
            a -= n;
            b -= n;
        } else if b >= n {
            break;
        }
        a <<= 1;
        b <<= 1;
    }
    result
}

/// CPython's `count_run`: the length of the run at the start of `a` and whether it is
/// strictly descending.
fn count_run<E>(
    a: &[usize],
    lt: &mut impl FnMut(usize, usize) -> Result<bool, E>,
) -> Result<(usize, bool), E> {
    if a.len() < 2 {
        return Ok((a.len(), false));
    }
    let mut n = 2;
    if lt(a[1], a[0])? {
        while n < a.len() && lt(a[n], a[n - 1])? {
            n += 1;
        }
        Ok((n, true))
    } else {
        while n < a.len() && !lt(a[n], a[n - 1])? {
            n += 1;
        }
        Ok((n, false))
    }
}

/// CPython's `binarysort`: `a[..start]` is sorted; insert the rest one by one after a binary
/// search that asks `lt(pivot, a[p])`.
fn binary_insertion<E>(
    a: &mut [usize],
    start: usize,
    lt: &mut impl FnMut(usize, usize) -> Result<bool, E>,
) -> Result<(), E> {
    for s in start.max(1)..a.len() {
        let pivot = a[s];
        let (mut l, mut r) = (0, s);
        while l < r {
            let p = l + (r - l) / 2;
            if lt(pivot, a[p])? {
                r = p;
            } else {
                l = p + 1;
            }
        }
        a[l..=s].rotate_right(1);
    }
    Ok(())
}

/// CPython's `gallop_left`: the `k` in `0..=s.len()` with `s[k-1] < key <= s[k]`, searched
/// from `hint`.
fn gallop_left<E>(
    key: usize,
    s: &[usize],
    hint: usize,
    lt: &mut impl FnMut(usize, usize) -> Result<bool, E>,
) -> Result<usize, E> {
    let n = s.len() as isize;
    let hint = hint as isize;
    let (mut lastofs, mut ofs): (isize, isize) = (0, 1);
    if lt(s[hint as usize], key)? {
        let maxofs = n - hint;
        while ofs < maxofs {
            if lt(s[(hint + ofs) as usize], key)? {
                lastofs = ofs;
                ofs = (ofs << 1) + 1;
            } else {
                break;
            }
        }
        ofs = ofs.min(maxofs);
        lastofs += hint;
        ofs += hint;
    } else {
        let maxofs = hint + 1;
        while ofs < maxofs {
            if lt(s[(hint - ofs) as usize], key)? {
                break;
            }
            lastofs = ofs;
            ofs = (ofs << 1) + 1;
        }
        ofs = ofs.min(maxofs);
        let k = lastofs;
        lastofs = hint - ofs;
        ofs = hint - k;
    }
    lastofs += 1;
    while lastofs < ofs {
        let m = lastofs + ((ofs - lastofs) >> 1);
        if lt(s[m as usize], key)? {
            lastofs = m + 1;
        } else {
            ofs = m;
        }
    }
    Ok(ofs as usize)
}

/// CPython's `gallop_right`: the `k` in `0..=s.len()` with `s[k-1] <= key < s[k]`, searched
/// from `hint`.
fn gallop_right<E>(
    key: usize,
    s: &[usize],
    hint: usize,
    lt: &mut impl FnMut(usize, usize) -> Result<bool, E>,
) -> Result<usize, E> {
    let n = s.len() as isize;
    let hint = hint as isize;
    let (mut lastofs, mut ofs): (isize, isize) = (0, 1);
    if lt(key, s[hint as usize])? {
        let maxofs = hint + 1;
        while ofs < maxofs {
            if lt(key, s[(hint - ofs) as usize])? {
                lastofs = ofs;
                ofs = (ofs << 1) + 1;
            } else {
                break;
            }
        }
        ofs = ofs.min(maxofs);
        let k = lastofs;
        lastofs = hint - ofs;
        ofs = hint - k;
    } else {
        let maxofs = n - hint;
        while ofs < maxofs {
            if lt(key, s[(hint + ofs) as usize])? {
                break;
            }
            lastofs = ofs;
            ofs = (ofs << 1) + 1;
        }
        ofs = ofs.min(maxofs);
        lastofs += hint;
        ofs += hint;
    }
    lastofs += 1;
    while lastofs < ofs {
        let m = lastofs + ((ofs - lastofs) >> 1);
        if lt(key, s[m as usize])? {
            ofs = m;
        } else {
            lastofs = m + 1;
        }
    }
    Ok(ofs as usize)
}

/// CPython's `merge_at`: merge runs `i` and `i + 1`.
fn merge_at<E>(
    a: &mut [usize],
    runs: &mut Vec<Run>,
    i: usize,
    lt: &mut impl FnMut(usize, usize) -> Result<bool, E>,
    min_gallop: &mut usize,
) -> Result<(), E> {
    let (base, na, nb) = (runs[i].base, runs[i].len, runs[i + 1].len);
    runs[i].len = na + nb;
    runs.remove(i + 1);
    // Items of run A before B's first item are already in place.
    let k = gallop_right(a[base + na], &a[base..base + na], 0, lt)?;
    let (base, na) = (base + k, na - k);
    if na == 0 {
        return Ok(());
    }
    // Items of run B after A's last item are already in place.
    let nb = gallop_left(a[base + na - 1], &a[base + na..base + na + nb], nb - 1, lt)?;
    if nb == 0 {
        return Ok(());
    }
    let r = &mut a[base..base + na + nb];
    if na <= nb {
        merge_lo(r, na, lt, min_gallop)
    } else {
        merge_hi(r, na, lt, min_gallop)
    }
}

/// CPython's `merge_lo`: merge `r[..na]` and `r[na..]` (`na <= nb`) left to right, with A in
/// a temporary.
fn merge_lo<E>(
    r: &mut [usize],
    na: usize,
    lt: &mut impl FnMut(usize, usize) -> Result<bool, E>,
    mg: &mut usize,
) -> Result<(), E> {
    let tmp = r[..na].to_vec();
    let (mut na, mut nb) = (na, r.len() - na);
    let (mut dest, mut pa, mut pb) = (0, 0, na);
    // B's first item is known to come first.
    r[dest] = r[pb];
    dest += 1;
    pb += 1;
    nb -= 1;
    let copy_b = 'merge: {
        if nb == 0 {
            break 'merge false;
        }
        if na == 1 {
            break 'merge true;
        }
        loop {
            let (mut acount, mut bcount) = (0, 0);
            loop {
                if lt(r[pb], tmp[pa])? {
                    r[dest] = r[pb];
                    (dest, pb, nb) = (dest + 1, pb + 1, nb - 1);
                    (acount, bcount) = (0, bcount + 1);
                    if nb == 0 {
                        break 'merge false;
                    }
                    if bcount >= *mg {
                        break;
                    }
                } else {
                    r[dest] = tmp[pa];
                    (dest, pa, na) = (dest + 1, pa + 1, na - 1);
                    (acount, bcount) = (acount + 1, 0);
                    if na == 1 {
                        break 'merge true;
                    }
                    if acount >= *mg {
                        break;
                    }
                }
            }
            *mg += 1;
            loop {
                *mg -= usize::from(*mg > 1);
                let k = gallop_right(r[pb], &tmp[pa..pa + na], 0, lt)?;
                acount = k;
                if k > 0 {
                    r[dest..dest + k].copy_from_slice(&tmp[pa..pa + k]);
                    (dest, pa, na) = (dest + k, pa + k, na - k);
                    if na == 1 {
                        break 'merge true;
                    }
                    // Impossible for a consistent `<`, which nothing guarantees.
                    if na == 0 {
                        break 'merge false;
                    }
                }
                r[dest] = r[pb];
                (dest, pb, nb) = (dest + 1, pb + 1, nb - 1);
                if nb == 0 {
                    break 'merge false;
                }
                let k = gallop_left(tmp[pa], &r[pb..pb + nb], 0, lt)?;
                bcount = k;
                if k > 0 {
                    r.copy_within(pb..pb + k, dest);
                    (dest, pb, nb) = (dest + k, pb + k, nb - k);
                    if nb == 0 {
                        break 'merge false;
                    }
                }
                r[dest] = tmp[pa];
                (dest, pa, na) = (dest + 1, pa + 1, na - 1);
                if na == 1 {
                    break 'merge true;
                }
                if acount < MIN_GALLOP && bcount < MIN_GALLOP {
                    break;
                }
            }
            *mg += 1;
        }
    };
    if copy_b {
        // A's last item belongs after the rest of B.
        r.copy_within(pb..pb + nb, dest);
        r[dest + nb] = tmp[pa];
    } else {
        r[dest..dest + na].copy_from_slice(&tmp[pa..pa + na]);
    }
    Ok(())
}

/// CPython's `merge_hi`: merge `r[..na]` and `r[na..]` (`nb <= na`) right to left, with B in
/// a temporary. A's remaining items are always `r[..na]`, B's `tmp[..nb]`, and the next slot
/// to fill is `r[na + nb - 1]`.
fn merge_hi<E>(
    r: &mut [usize],
    na: usize,
    lt: &mut impl FnMut(usize, usize) -> Result<bool, E>,
    mg: &mut usize,
) -> Result<(), E> {
    let tmp = r[na..].to_vec();
    let (mut na, mut nb) = (na, tmp.len());
    // A's last item is known to come last.
    r[na + nb - 1] = r[na - 1];
    na -= 1;
    let copy_a = 'merge: {
        if na == 0 {
            break 'merge false;
        }
        if nb == 1 {
            break 'merge true;
        }
        loop {
            let (mut acount, mut bcount) = (0, 0);
            loop {
                if lt(tmp[nb - 1], r[na - 1])? {
                    r[na + nb - 1] = r[na - 1];
                    na -= 1;
                    (acount, bcount) = (acount + 1, 0);
                    if na == 0 {
                        break 'merge false;
                    }
                    if acount >= *mg {
                        break;
                    }
                } else {
                    r[na + nb - 1] = tmp[nb - 1];
                    nb -= 1;
                    (acount, bcount) = (0, bcount + 1);
                    if nb == 1 {
                        break 'merge true;
                    }
                    if bcount >= *mg {
                        break;
                    }
                }
            }
            *mg += 1;
            loop {
                *mg -= usize::from(*mg > 1);
                let k = na - gallop_right(tmp[nb - 1], &r[..na], na - 1, lt)?;
                acount = k;
                if k > 0 {
                    r.copy_within(na - k..na, na + nb - k);
                    na -= k;
                    if na == 0 {
                        break 'merge false;
                    }
                }
                r[na + nb - 1] = tmp[nb - 1];
                nb -= 1;
                if nb == 1 {
                    break 'merge true;
                }
                let k = nb - gallop_left(r[na - 1], &tmp[..nb], nb - 1, lt)?;
                bcount = k;
                if k > 0 {
                    r[na + nb - k..na + nb].copy_from_slice(&tmp[nb - k..nb]);
                    nb -= k;
                    if nb == 1 {
                        break 'merge true;
                    }
                    // Impossible for a consistent `<`, which nothing guarantees.
                    if nb == 0 {
                        break 'merge false;
                    }
                }
                r[na + nb - 1] = r[na - 1];
                na -= 1;
                if na == 0 {
                    break 'merge false;
                }
                if acount < MIN_GALLOP && bcount < MIN_GALLOP {
                    break;
                }
            }
            *mg += 1;
        }
    };
    if copy_a {
        // B's first item belongs before the rest of A.
        r.copy_within(0..na, 1);
        r[0] = tmp[0];
    } else {
        r[na..na + nb].copy_from_slice(&tmp[..nb]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::sort_perm;

    /// Whatever `lt` answers (here: pseudo-random), the result is a permutation and no index
    /// goes out of bounds.
    #[test]
    fn inconsistent_order_never_panics() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for n in [0, 1, 2, 5, 63, 64, 65, 200, 1000, 5000] {
            let p = sort_perm(n, n % 2 == 0, |_, _| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                Ok::<bool, ()>(seed & 1 == 0)
            })
            .expect("no error");
            let mut q = p.clone();
            q.sort_unstable();
            assert_eq!(q, (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn sorts_stably_and_stops_at_the_first_error() {
        let keys: Vec<u32> = (0..3000).map(|i| (i * 7919) % 101).collect();
        let p = sort_perm(keys.len(), false, |i, j| Ok::<bool, ()>(keys[i] < keys[j])).unwrap();
        for w in p.windows(2) {
            assert!((keys[w[0]], w[0]) < (keys[w[1]], w[1]));
        }
        let mut calls = 0;
        let r = sort_perm(100, false, |_, _| {
            calls += 1;
            if calls == 10 {
                Err("stop")
            } else {
                Ok(false)
            }
        });
        assert_eq!(r, Err("stop"));
        assert_eq!(calls, 10);
    }
}
