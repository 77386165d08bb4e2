#!/usr/bin/env python3
"""Differential check of `switchyard -t` against `nginx -t` (Debian's 1.22): both are run over the same
configurations and every place where one accepts what the other refuses is reported. See docs/CONFIG-DIFF.md.

  all       corpus, baseline, cases, then report; the mutation round too with CONFIG_DIFF_MUTATE=1 or
            CONFIG_DIFF_MUTATE_SECONDS=N (make config-diff runs this)
  corpus    WORK/corpus: nginx-tests' configs, conf/, examples/, the reference deployment, /etc/nginx
  baseline  both -t on every corpus config -> WORK/results/baseline.jsonl
  mutate    variants of the configs both accept -> WORK/results/mutations*.jsonl (about ten minutes)
  cases     the hand-written minimal and operator cases -> WORK/results/cases.jsonl
  report    counts and the disagreements not in known.txt; WORK/results/summary.txt, groups.txt

Environment: SWITCHYARD (default .build/release/switchyard), NGINX (/usr/sbin/nginx), NGINX_TESTS_MIRROR (the
fetched .mirror/nginx+nginx-tests/repo above the repo), CONFIG_DIFF_WORK (default: a new directory under
$TMPDIR, kept), CONFIG_DIFF_REFERENCE (../shared/reference), CONFIG_DIFF_ETC_NGINX (/etc/nginx).
Exit status: 0 no disagreement beyond known.txt, 1 some (listed), 2 the tool could not run.
Python 3 standard library only; one process at a time."""
import argparse
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cases  # noqa: E402
import corpus  # noqa: E402
from common import Settings, ToolError, make_pki  # noqa: E402
from mutate import mutate  # noqa: E402
from report import report  # noqa: E402


def mutate_budget(args):
    """None: no mutation round; 0: no time limit; else seconds"""
    if getattr(args, 'seconds', None) is not None:
        return args.seconds
    secs = os.environ.get('CONFIG_DIFF_MUTATE_SECONDS')
    if secs:
        return float(secs)
    if os.environ.get('CONFIG_DIFF_MUTATE', '0') not in ('', '0'):
        return 0
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--work', help='work directory (CONFIG_DIFF_WORK)')
    ap.add_argument('--switchyard', help='switchyard binary (SWITCHYARD)')
    ap.add_argument('--nginx', help='nginx binary (NGINX)')
    ap.add_argument('--mirror', help='bare git dir of nginx-tests (NGINX_TESTS_MIRROR)')
    sub = ap.add_subparsers(dest='cmd', required=True)
    sub.add_parser('all')
    sub.add_parser('corpus')
    sub.add_parser('baseline')
    m = sub.add_parser('mutate')
    m.add_argument('--seconds', type=float, help='stop after this long (default: CONFIG_DIFF_MUTATE_SECONDS, '
                                                 'else no limit)')
    m.add_argument('--round', choices=('1', '2', 'both'), default='both')
    c = sub.add_parser('cases')
    c.add_argument('names', nargs='*', help='only these cases')
    r = sub.add_parser('report')
    r.add_argument('--known', action='store_true', help='also list the accepted differences matched')
    args = ap.parse_args()

    cfg = Settings(args)
    try:
        cfg.open_work(create=args.cmd in ('all', 'corpus', 'cases'))
        if args.cmd in ('all', 'baseline', 'mutate', 'cases'):
            cfg.check_binaries()
        if args.cmd in ('all', 'corpus', 'cases'):
            make_pki(cfg.path('pki'))
        if args.cmd in ('all', 'corpus'):
            corpus.build(cfg)
        if args.cmd in ('all', 'baseline'):
            corpus.baseline(cfg)
        if args.cmd in ('all', 'cases'):
            cases.run(cfg, getattr(args, 'names', ()))
        if args.cmd in ('all', 'mutate'):
            budget = mutate_budget(args)
            if args.cmd == 'mutate' or budget is not None:
                rounds = ('1', '2') if getattr(args, 'round', 'both') == 'both' else (args.round,)
                mutate(cfg, budget or None, rounds)
        if args.cmd in ('all', 'report'):
            return 1 if report(cfg, getattr(args, 'known', False)) else 0
        return 0
    except ToolError as e:
        print('config-diff: %s' % e, file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
