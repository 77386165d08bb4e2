"""Settings (binaries, corpus sources, work directory), running both `-t`, and the throwaway PKI."""
import glob
import json
import os
import re
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MIRROR_REL = '.mirror/nginx+nginx-tests/repo'
WORK_PREFIX = 'switchyard-config-diff.'


class ToolError(Exception):
    """A setup problem (missing binary, mirror, work dir): exit status 2, not a finding."""


def find_mirror():
    # As ../shared/tools/nginx-tests/run.sh: the fetched mirror in this folder or one above it.
    d = HERE
    while True:
        cand = os.path.join(d, MIRROR_REL)
        if os.path.isdir(cand):
            return cand
        if d == '/':
            return None
        d = os.path.dirname(d)


def _env_path(name, default):
    v = os.environ.get(name)
    return os.path.abspath(v) if v else default


class Settings:
    def __init__(self, args):
        self.repo = REPO
        self.switchyard = os.path.abspath(args.switchyard or os.environ.get('SWITCHYARD')
                                          or os.path.join(REPO, '.build/release/switchyard'))
        self.nginx = os.path.abspath(args.nginx or os.environ.get('NGINX') or '/usr/sbin/nginx')
        self.mirror = args.mirror or os.environ.get('NGINX_TESTS_MIRROR') or find_mirror()
        self.reference = _env_path('CONFIG_DIFF_REFERENCE', os.path.join(os.path.dirname(REPO), 'shared/reference'))
        self.etc_nginx = _env_path('CONFIG_DIFF_ETC_NGINX', '/etc/nginx')
        self.known = os.path.join(HERE, 'known.txt')
        self.work = args.work or os.environ.get('CONFIG_DIFF_WORK') or None

    def check_binaries(self):
        for what, path in (('SWITCHYARD', self.switchyard), ('NGINX', self.nginx)):
            if not os.access(path, os.X_OK):
                raise ToolError('%s=%s is not an executable (set %s, or `make release` for switchyard)'
                                % (what, path, what))

    def open_work(self, create):
        """The work directory: made fresh for commands that start a run, else an earlier run's."""
        if self.work:
            os.makedirs(self.work, exist_ok=True)
        elif create:
            self.work = tempfile.mkdtemp(prefix=WORK_PREFIX)
        else:
            old = sorted(glob.glob(os.path.join(tempfile.gettempdir(), WORK_PREFIX + '*')), key=os.path.getmtime)
            hint = (' (the newest is %s)' % old[-1]) if old else ''
            raise ToolError('this command reads an earlier run: set CONFIG_DIFF_WORK or --work%s' % hint)
        self.work = os.path.abspath(self.work)
        print('config-diff: work dir %s' % self.work, flush=True)
        return self.work

    def path(self, *parts):
        return os.path.join(self.work, *parts)

    def results(self, name):
        os.makedirs(self.path('results'), exist_ok=True)
        return self.path('results', name)


def read_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def _messages(out):
    """The [emerg]/[alert]/[crit] lines, once each: nginx -e /dev/stderr prints each twice (log and console)."""
    keep = []
    for line in out.splitlines():
        if not re.search(r'\[(emerg|alert|crit)\]', line):
            continue
        line = re.sub(r'^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: ', r'\1 ', line)
        line = re.sub(r'^(nginx|switchyard): ', '', line)
        if line not in keep:
            keep.append(line)
    return keep


def run_one(cfg, prefix, conf, timeout=15):
    """Both `-t` on one file; ng_ok / sy_ok and the rejecting lines of each."""
    res = {}
    # -e: nginx would otherwise also write its compiled-in error log (/var/log/nginx/error.log).
    for side, cmd in (('ng', [cfg.nginx, '-t', '-p', prefix + '/', '-c', conf, '-e', '/dev/stderr']),
                      ('sy', [cfg.switchyard, '-t', '-p', prefix + '/', '-c', conf])):
        t0 = time.time()
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                               stdin=subprocess.DEVNULL)
            rc = p.returncode
            out = (p.stderr + p.stdout).decode('utf-8', 'replace')
        except subprocess.TimeoutExpired as e:
            rc = 'timeout'
            out = ((e.stderr or b'') + (e.stdout or b'')).decode('utf-8', 'replace')
        lines = _messages(out)
        if rc != 0 and not lines:
            lines = out.splitlines()[-3:] or ['exit status %s, no message' % rc]
        res[side + '_rc'] = rc
        res[side + '_ms'] = int((time.time() - t0) * 1000)
        res[side + '_msg'] = ' | '.join(lines)[:600]
        res[side + '_ok'] = rc == 0
    return res


def side_of(r):
    """'same', 'nginx' (only nginx rejects) or 'switchyard' (only switchyard rejects)"""
    if r['ng_ok'] == r['sy_ok']:
        return 'same'
    return 'switchyard' if r['ng_ok'] else 'nginx'


def make_pki(d):
    """A self-signed certificate and key, a CRL, DH parameters and a ticket key for configs that name them."""
    if os.path.exists(os.path.join(d, 'crl.pem')):
        return
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'ca.conf'), 'w') as f:
        f.write('[ req ]\ndefault_bits = 2048\nencrypt_key = no\ndistinguished_name = dn\n'
                'x509_extensions = v3_ca\n[ dn ]\n[ v3_ca ]\nbasicConstraints = critical,CA:TRUE\n'
                '[ ca ]\ndefault_ca = myca\n[ myca ]\nnew_certs_dir = %s\ndatabase = %s/certindex\n'
                'default_md = sha256\npolicy = pol\nserial = %s/certserial\ndefault_days = 3650\n'
                'default_crl_days = 3650\n[ pol ]\ncommonName = supplied\n' % (d, d, d))
    open(os.path.join(d, 'certindex'), 'w').close()
    with open(os.path.join(d, 'certserial'), 'w') as f:
        f.write('1000\n')
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True, cwd=d)
    try:
        subprocess.run(['openssl', 'req', '-x509', '-new', '-config', 'ca.conf', '-subj', '/CN=localhost',
                        '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '3650'], **quiet)
        subprocess.run(['openssl', 'ca', '-gencrl', '-config', 'ca.conf', '-keyfile', 'key.pem',
                        '-cert', 'cert.pem', '-out', 'crl.pem'], **quiet)
        # A named group: generating 2048-bit parameters would take minutes.
        subprocess.run(['openssl', 'genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048',
                        '-out', 'dh.pem'], **quiet)
    except (OSError, subprocess.CalledProcessError) as e:
        raise ToolError('openssl failed making the test PKI: %s %s'
                        % (e, getattr(e, 'stderr', b'').decode(errors='replace')))
    with open(os.path.join(d, 'ticket.key'), 'wb') as f:
        f.write(os.urandom(80))
