"""The corpus: nginx.conf heredocs of nginx-tests, the repo's conf/ and examples/, the reference deployment and
Debian's /etc/nginx, each in a directory of its own under WORK/corpus with the files its config names."""
import io
import json
import os
import re
import shutil
import subprocess
import tarfile

from common import ToolError, run_one, side_of
from nginxconf import ParseError, flatten_includes, parse, walk

# Modules neither Debian's nginx -t nor switchyard loads here (stream and mail aside, nginx-tests only runs
# them when built in): such configs would fail on both sides for the same dull reason.
SKIP_DIRECTIVE_RE = re.compile(
    r'^(stream|mail|perl|perl_modules|perl_require|perl_set|xslt_.*|image_filter.*|geoip_.*|'
    r'mp4.*|flv|grpc_.*|quic_.*|http3.*|load_module)$')

HEREDOC_RE = re.compile(
    r"write_file(_expand)?\(\s*(['\"])([^'\"]+)\2\s*,\s*<<\s*(['\"]?)(\w+)\4\s*\)[^\n]*\n")
SIMPLE_RE = re.compile(r"write_file(_expand)?\(\s*(['\"])([^'\"$]+)\2\s*,\s*'([^'\\]*)'\s*\)")

# Directives whose argument is a file -t opens, and what to put there.
CERT_DIRECTIVES = {
    'ssl_certificate': 'cert', 'ssl_certificate_key': 'key', 'ssl_trusted_certificate': 'cert',
    'ssl_client_certificate': 'cert', 'proxy_ssl_certificate': 'cert', 'proxy_ssl_certificate_key': 'key',
    'proxy_ssl_trusted_certificate': 'cert', 'uwsgi_ssl_certificate': 'cert',
    'uwsgi_ssl_certificate_key': 'key', 'uwsgi_ssl_trusted_certificate': 'cert',
    'ssl_dhparam': 'dh', 'ssl_crl': 'crl', 'proxy_ssl_crl': 'crl', 'uwsgi_ssl_crl': 'crl',
    'ssl_session_ticket_key': 'ticket', 'ssl_password_file': 'pass', 'proxy_ssl_password_file': 'pass',
    'auth_basic_user_file': 'empty', 'ssl_stapling_file': 'skip',
}
PKI_FILE = {'cert': 'cert.pem', 'key': 'key.pem', 'dh': 'dh.pem', 'crl': 'crl.pem', 'ticket': 'ticket.key'}


def expand(content, testdir):
    """Test::Nginx's substitutions; ports moved up by 10000 so that nothing clashes with a running server."""
    for g in ('%%TEST_GLOBALS%%', '%%TEST_GLOBALS_HTTP%%', '%%TEST_GLOBALS_STREAM%%'):
        content = content.replace(g, '')
    content = content.replace('%%TESTDIR%%', testdir)
    content = re.sub(r'%%PORT_(\d+)(_UDP)?%%', lambda m: str(int(m.group(1)) + 10000), content)
    return re.sub(r'127\.0\.0\.1:(8\d\d\d)\b', lambda m: '127.0.0.1:' + str(int(m.group(1)) + 10000), content)


def perl_unescape(s):
    # Interpolating heredocs escape nginx's variables as \$; the rare real Perl variable is left as it is.
    return s.replace('\\$', '$').replace('\\@', '@').replace('\\\\', '\\')


def extract_test(src):
    """([nginx.conf texts], {other file: text}) written by one .t file"""
    files, confs = {}, []
    for m in SIMPLE_RE.finditer(src):
        files.setdefault(m.group(3), m.group(4))
    for m in HEREDOC_RE.finditer(src):
        fname, quote, tag = m.group(3), m.group(4), m.group(5)
        end = re.compile(r'^' + re.escape(tag) + r'\s*$', re.M).search(src, m.end())
        if not end:
            continue
        body = src[m.end():end.start()]
        if quote != "'":
            body = perl_unescape(body)
        if fname == 'nginx.conf':
            confs.append(body)
        else:
            files.setdefault(fname, body)
    return confs, files


def prepare_files(cfg, d, conf_text, conf_dir=None):
    """Create what the config names under the work dir (certificates, include files, log directories)."""
    conf_dir = conf_dir or d
    notes = []
    try:
        root = parse(conf_text)
    except ParseError as e:
        return ['parse: %s' % e]
    inside = lambda p: p.startswith(cfg.work + '/')  # never touch the machine outside the work dir
    for s, _ in walk(root):
        nm = s.name.text
        args = [a.text for a in s.args]
        if not args:
            continue
        a = args[0]
        if nm == 'include':
            if not any(ch in a for ch in '*?['):
                p = a if a.startswith('/') else os.path.join(conf_dir, a)
                if not os.path.exists(p) and inside(p):
                    os.makedirs(os.path.dirname(p), exist_ok=True)
                    open(p, 'w').close()
                    notes.append('empty include ' + a)
            continue
        if nm in ('access_log', 'error_log') and a not in ('off', 'stderr') and '$' not in a \
                and not a.startswith(('syslog:', 'memory:')):
            p = a if a.startswith('/') else os.path.join(d, a)
            if inside(p):
                os.makedirs(os.path.dirname(p), exist_ok=True)
            continue
        if nm.endswith(('_temp_path', '_cache_path')) and '$' not in a:
            p = a if a.startswith('/') else os.path.join(d, a)
            if inside(p):
                os.makedirs(os.path.dirname(p.rstrip('/')), exist_ok=True)
            continue
        kind = CERT_DIRECTIVES.get(nm)
        if not kind or '$' in a or a.startswith(('data:', 'engine:', 'store:')):
            continue
        p = a if a.startswith('/') else os.path.join(conf_dir, a)
        if not inside(p):
            notes.append('outside path ' + a)
            continue
        if kind == 'skip':
            notes.append('needs ' + a)
            continue
        if os.path.exists(p) and os.path.getsize(p) > 0 and kind not in PKI_FILE:
            continue
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if kind in PKI_FILE:
            shutil.copy(cfg.path('pki', PKI_FILE[kind]), p)
        elif kind == 'pass':
            with open(p, 'w') as f:
                f.write('pass\n')
        elif not os.path.exists(p):
            open(p, 'w').close()
    return notes


def skip_reason(conf_text):
    try:
        root = parse(conf_text)
    except ParseError:
        return None  # the binaries say what is wrong
    for s, _ in walk(root):
        if SKIP_DIRECTIVE_RE.match(s.name.text):
            return 'directive ' + s.name.text
        if s.name.text == 'listen' and any(a.text == 'quic' for a in s.args):
            return 'listen quic'
    return None


def nginx_tests(cfg, corpus, meta):
    if not cfg.mirror or not os.path.isdir(cfg.mirror):
        raise ToolError('no nginx-tests mirror (%s): set NGINX_TESTS_MIRROR to a bare clone of '
                        'github.com/nginx/nginx-tests (the fetch tool makes one as .mirror/nginx+nginx-tests/repo)'
                        % (cfg.mirror or 'none found in the folders above the repo'))
    git = ['git', '--git-dir=' + cfg.mirror]
    head = subprocess.run(git + ['rev-parse', '--short', 'HEAD'], stdout=subprocess.PIPE, check=True).stdout
    tar = subprocess.run(git + ['archive', 'HEAD'], stdout=subprocess.PIPE, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
        tests = sorted((m.name, tf.extractfile(m).read().decode('utf-8', 'replace'))
                       for m in tf.getmembers() if m.isfile() and m.name.endswith('.t') and '/' not in m.name)
    for name, src in tests:
        confs, files = extract_test(src)
        for i, conf in enumerate(confs):
            cid = '%s.%d' % (name[:-2], i)
            d = os.path.join(corpus, cid)
            text = expand(conf, d)
            entry = {'id': cid, 'source': 'nginx-tests/' + name, 'dir': d, 'conf': d + '/nginx.conf'}
            reason = skip_reason(text)
            if reason:
                entry['skip'] = reason
                meta.append(entry)
                continue
            os.makedirs(d + '/logs', exist_ok=True)
            for fn, body in files.items():
                fp = os.path.normpath(os.path.join(d, expand(fn, d)))
                if not fp.startswith(d + '/'):
                    continue
                os.makedirs(os.path.dirname(fp), exist_ok=True)
                with open(fp, 'w') as f:
                    f.write(expand(body, d))
            with open(entry['conf'], 'w') as f:
                f.write(text)
            entry['notes'] = prepare_files(cfg, d, text)
            meta.append(entry)
    return head.decode().strip()


def local_configs(cfg, corpus, meta):
    """The repo's own configs, and the reference deployment's when it is there."""
    extra = [('repo-conf', 'conf/nginx.conf'), ('repo-sticky', 'examples/sticky.conf'),
             ('repo-non-sticky', 'examples/non-sticky.conf')]
    for cid, rel in extra:
        d = os.path.join(corpus, cid)
        for sub in ('logs', 'temp'):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        for sub in ('conf', 'examples'):
            shutil.copytree(os.path.join(cfg.repo, sub), os.path.join(d, sub),
                            ignore=shutil.ignore_patterns('session-app', '*.swift', '*.sh', '*.md'))
        add_local(cfg, meta, cid, d, os.path.join(d, rel), os.path.join(cfg.repo, rel))
    refs = [('reference', cfg.reference), ('reference-as-published', os.path.join(cfg.reference, 'as-published'))]
    for cid, base in refs:
        if not os.path.exists(os.path.join(base, 'nginx.conf')):
            print('config-diff: no %s (%s), skipped' % (cid, base))
            continue
        d = os.path.join(corpus, cid)
        for sub in ('logs', 'temp'):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        shutil.copytree(base, d + '/conf', ignore=shutil.ignore_patterns('tomcat', '*.md', 'as-published'))
        if not os.path.exists(d + '/conf/mime.types'):
            shutil.copy(os.path.join(cfg.repo, 'conf/mime.types'), d + '/conf/mime.types')
        cp = d + '/conf/nginx.conf'
        # Its cache and temp paths are under /home: moved into the work dir, since -t creates them.
        with open(cp) as f:
            txt = f.read().replace(' /home/', ' ' + d + '/home/')
        with open(cp, 'w') as f:
            f.write(txt)
        add_local(cfg, meta, cid, d, cp, os.path.join(base, 'nginx.conf'))
    # The repo's configs without switchyard's own directives: does nginx take the rest as switchyard does?
    for cid, _ in extra:
        m = next(e for e in meta if e['id'] == cid)
        txt = flatten_includes(open(m['conf']).read(), os.path.dirname(m['conf']))
        txt = re.sub(r'(?m)^\s*(api|dashboard|jvm_route|jvm_route_status|drain_idle|metrics|upstream_status|'
                     r'health_check)\b[^;{]*;', '', txt)
        txt = re.sub(r'\s+srun_id=\S+?(?=[;\s])', '', txt)
        cp = os.path.join(os.path.dirname(m['conf']), 'nginxified.conf')
        with open(cp, 'w') as f:
            f.write(txt)
        meta.append({'id': cid + '-nginxified', 'source': m['source'] + ' minus switchyard-only directives',
                     'dir': m['dir'], 'conf': cp})


def add_local(cfg, meta, cid, d, cp, source):
    prepare_files(cfg, d, flatten_includes(open(cp).read(), os.path.dirname(cp)), os.path.dirname(cp))
    meta.append({'id': cid, 'source': source, 'dir': d, 'conf': cp})


def uncomment_debian(fn, txt):
    """Enable the examples Debian ships commented out (gzip_*, the default site's ssl, php and second server)."""
    if fn == 'nginx.conf':
        return re.sub(r'(?m)^(\s*)# ((multi_accept|server_tokens|server_names_hash_bucket_size|'
                      r'server_name_in_redirect|gzip_\w+) [^\n]*)$', r'\1\2', txt)
    if fn != 'default':
        return txt
    out, in_blk = [], False
    for line in txt.split('\n'):
        st = line.strip()
        if re.match(r'^# (listen \S*443|include snippets/snakeoil)', st):
            line = line.replace('# ', '', 1)
        elif (st.startswith('#location') or st == '#server {') and in_blk is False:
            in_blk = line[:len(line) - len(line.lstrip())]
            line = line.replace('#', '', 1)
        elif in_blk is not False and line == in_blk + '#}':
            in_blk = False
            line = line.replace('#', '', 1)
        elif in_blk is not False and st.startswith('#'):
            # One of the two fastcgi_pass lines, and the comments inside the examples, stay comments.
            if not ('fastcgi_pass 127.0.0.1:9000' in st or re.match(r'^#\s*#', st) or st == '#'):
                line = line.replace('#', '', 1)
        out.append(line)
    return '\n'.join(out)


def debian_etc(cfg, corpus, meta):
    src = cfg.etc_nginx
    if not os.path.exists(os.path.join(src, 'nginx.conf')):
        print('config-diff: no %s/nginx.conf, skipped' % src)
        return
    for cid, uncomment in (('debian-etc', False), ('debian-etc-uncommented', True)):
        d = os.path.join(corpus, cid)
        os.makedirs(d + '/logs', exist_ok=True)
        shutil.copytree(src, d + '/etc-nginx', symlinks=False)
        shutil.copy(cfg.path('pki', 'cert.pem'), d + '/snakeoil.pem')
        shutil.copy(cfg.path('pki', 'key.pem'), d + '/snakeoil.key')
        for root_, _, fns in os.walk(d + '/etc-nginx'):
            for fn in fns:
                fp = os.path.join(root_, fn)
                if os.path.islink(fp) or not os.path.isfile(fp):
                    continue
                txt = open(fp, encoding='utf-8', errors='replace').read()
                for a, b in (('/etc/nginx/', d + '/etc-nginx/'), ('/var/log/nginx/', d + '/logs/'),
                             ('/run/nginx.pid', d + '/nginx.pid'),
                             ('/etc/ssl/certs/ssl-cert-snakeoil.pem', d + '/snakeoil.pem'),
                             ('/etc/ssl/private/ssl-cert-snakeoil.key', d + '/snakeoil.key')):
                    txt = txt.replace(a, b)
                if uncomment:
                    txt = uncomment_debian(fn, txt)
                with open(fp, 'w') as f:
                    f.write(txt)
        meta.append({'id': cid, 'dir': d, 'conf': d + '/etc-nginx/nginx.conf',
                     'source': src + (' with its commented examples enabled' if uncomment else '')})


def build(cfg):
    corpus = cfg.path('corpus')
    if os.path.exists(corpus):
        shutil.rmtree(corpus)
    os.makedirs(corpus)
    meta = []
    head = nginx_tests(cfg, corpus, meta)
    local_configs(cfg, corpus, meta)
    debian_etc(cfg, corpus, meta)
    with open(os.path.join(corpus, 'meta.json'), 'w') as f:
        json.dump({'nginx_tests': head, 'entries': meta}, f, indent=1)
    print('config-diff: corpus of %d configs (nginx-tests %s), %d skipped (stream, mail, perl… modules)'
          % (len(meta), head, sum(1 for m in meta if 'skip' in m)), flush=True)


def load_meta(cfg):
    p = cfg.path('corpus', 'meta.json')
    if not os.path.exists(p):
        raise ToolError('no corpus in %s: run `corpus` first' % cfg.work)
    with open(p) as f:
        return json.load(f)


def baseline(cfg):
    meta = load_meta(cfg)['entries']
    # Mutation results belong to the baseline (and binaries) they were run with; a later mutate starts over.
    for old in ('mutations.jsonl', 'mutations2.jsonl', 'variants', 'groups.txt'):
        p = cfg.path('results', old)
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.remove(p)
    n = dis = 0
    with open(cfg.results('baseline.jsonl'), 'w') as out:
        for m in meta:
            if 'skip' in m:
                continue
            r = run_one(cfg, m['dir'], m['conf'])
            r.update(id=m['id'], source=m['source'], conf=m['conf'])
            out.write(json.dumps(r) + '\n')
            n += 1
            dis += side_of(r) != 'same'
    print('config-diff: baseline: %d configs run, %d disagreements' % (n, dis), flush=True)
