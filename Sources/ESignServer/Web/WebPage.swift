/// The pages for people, Vietnamese first: plain HTML and a little JavaScript served by the binary
/// (no build step, nothing fetched from elsewhere). Both call the same API as other systems, with
/// a client token entered once and kept in the browser's local storage.
enum WebPage {
    static let style = """
        <style>
        body{font-family:system-ui,"DejaVu Sans",sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
        header{background:#9b1c1c;color:#fff;padding:12px 24px}header a{color:#fff;margin-right:16px}
        main{max-width:960px;margin:24px auto;padding:0 16px}
        .card{background:#fff;border-radius:8px;padding:16px 20px;margin:12px 0;box-shadow:0 1px 3px #0002}
        #drop{border:2px dashed #8a94a6;border-radius:8px;padding:40px;text-align:center;background:#fff}
        #drop.over{background:#eef4ff}.passed{border-left:8px solid #16803c}.failed{border-left:8px solid #c81e1e}
        .indeterminate{border-left:8px solid #c27803}.verdict{font-size:1.3em;font-weight:600}
        table{border-collapse:collapse;width:100%}td,th{padding:4px 8px;border-bottom:1px solid #e3e6eb;text-align:left}
        label{margin-right:12px}input,select,button{font-size:1em;padding:4px 8px}
        iframe{width:100%;height:900px;border:0;background:#fff}
        </style>
        """

    static let tokenBox = """
        <div class="card" id="token-card">
          <label for="token">Mã truy cập (token) của hệ thống:</label>
          <input id="token" type="password" size="50" autocomplete="off" placeholder="esk_…">
          <button id="save-token" type="button">Lưu</button> <span id="token-state"></span>
        </div>
        <script>
        const tokenInput = document.getElementById('token');
        tokenInput.value = localStorage.getItem('esign-token') || '';
        document.getElementById('save-token').onclick = () => {
          localStorage.setItem('esign-token', tokenInput.value.trim());
          document.getElementById('token-state').textContent = 'Đã lưu';
        };
        function token() { return (tokenInput.value || localStorage.getItem('esign-token') || '').trim(); }
        function problemText(p) { return (p && (p.detail || p.title)) || 'Lỗi không xác định'; }
        </script>
        """

    static let verify = """
        <!doctype html>
        <html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <title>Kiểm tra chữ ký số — esign</title>\(style)</head>
        <body><header><a href="/">Kiểm tra văn bản</a><a href="/stats">Thống kê ký số</a></header><main>
        <h1>Kiểm tra chữ ký số trên văn bản</h1>
        <p>Chọn hoặc kéo thả tệp PDF nhận được để biết văn bản có còn nguyên vẹn và do ai ký.
        <i>Check the signatures of a PDF you received.</i></p>
        \(tokenBox)
        <div id="drop"><p>Kéo thả tệp PDF vào đây, hoặc</p>
          <input id="file" type="file" accept="application/pdf,.pdf"></div>
        <div id="result" aria-live="polite"></div>
        <script>
        const words = {
          'TOTAL-PASSED': ['passed', 'Hợp lệ', 'Chữ ký hợp lệ: văn bản còn nguyên vẹn từ khi ký.'],
          'TOTAL-FAILED': ['failed', 'Không hợp lệ', 'Không được tin cậy văn bản này.'],
          'INDETERMINATE': ['indeterminate', 'Chưa xác định được',
                            'Chưa đủ căn cứ để kết luận; cần kiểm tra thêm.']
        };
        const reasons = {
          HASH_FAILURE: 'Nội dung đã bị thay đổi sau khi ký.',
          SIG_CRYPTO_FAILURE: 'Chữ ký không khớp với chứng thư số.',
          FORMAT_FAILURE: 'Tệp hoặc chữ ký sai định dạng, hoặc đã bị sửa sau khi ký.',
          REVOKED: 'Chứng thư số của người ký đã bị thu hồi.',
          NO_CERTIFICATE_CHAIN_FOUND: 'Chứng thư số không thuộc tổ chức cung cấp dịch vụ được tin cậy.',
          OUT_OF_BOUNDS_NO_POE: 'Chứng thư số đã hết hạn khi ký.',
          NOT_YET_VALID: 'Chứng thư số chưa có hiệu lực khi ký.',
          TRY_LATER: 'Chưa kiểm tra được tình trạng thu hồi; hãy thử lại sau.',
          NO_SIGNATURE: 'Văn bản không có chữ ký số.',
          SIG_CONSTRAINTS_FAILURE: 'Văn bản bị thay đổi sau khi ký theo cách không được phép.',
          CHAIN_CONSTRAINTS_FAILURE: 'Chứng thư số không đáp ứng yêu cầu.',
          CRYPTO_CONSTRAINTS_FAILURE_NO_POE: 'Thuật toán của chữ ký không còn an toàn.',
          REVOKED_NO_POE: 'Chứng thư số bị thu hồi, không chứng minh được ký trước đó.',
          NO_SIGNING_CERTIFICATE_FOUND: 'Không tìm thấy chứng thư số của người ký.',
          TIMESTAMP_ORDER_FAILURE: 'Dấu thời gian không hợp lệ.'
        };
        function el(tag, cls, text) {
          const e = document.createElement(tag);
          if (cls) e.className = cls;
          if (text !== undefined) e.textContent = text;
          return e;
        }
        function cn(dn) { const m = /CN=([^,]+)/.exec(dn || ''); return m ? m[1] : (dn || 'không rõ'); }
        function show(report) {
          const out = document.getElementById('result');
          out.replaceChildren();
          const w = words[report.indication] || words['INDETERMINATE'];
          const doc = el('div', 'card ' + w[0]);
          doc.id = 'document-verdict';
          doc.dataset.indication = report.indication;
          doc.append(el('div', 'verdict', report.file + ': ' + w[1]));
          doc.append(el('p', '', reasons[report.sub_indication] || w[2]));
          out.append(doc);
          (report.signatures || []).forEach((s, i) => {
            const sw = words[s.indication] || words['INDETERMINATE'];
            const card = el('div', 'card signature ' + sw[0]);
            card.dataset.indication = s.indication;
            const who = s.signer ? cn(s.signer.subject) : 'không rõ';
            const kind = s.kind === 'document-timestamp' ? 'Dấu thời gian' : 'Chữ ký ' + (i + 1);
            card.append(el('div', 'verdict', kind + ': ' + sw[1]));
            card.append(el('p', '', 'Người ký: ' + who));
            const holder = s.signer && s.signer.holder;
            if (holder) {
              const kinds = {person: 'Cá nhân', organization: 'Tổ chức', unknown: 'Chưa xác định'};
              const ids = (holder.identifiers || [])
                .map(d => d.label + ': ' + d.value + (d.well_formed ? '' : ' (sai định dạng)'))
                .concat((holder.unparsed || []).map(u => 'UID: ' + u));
              const holderLine = el('p', 'holder', (kinds[holder.kind] || holder.kind) +
                (holder.organization && holder.kind === 'person' ? ' — ' + holder.organization : '') +
                (ids.length ? ' — ' + ids.join('; ') : ''));
              holderLine.dataset.kind = holder.kind;
              card.append(holderLine);
            }
            const when = s.proven_signing_time || s.claimed_signing_time;
            const proven = s.proven_signing_time ? ' (có dấu thời gian)' : '';
            if (when) card.append(el('p', '', 'Thời điểm ký: ' + when + proven));
            card.append(el('p', '', reasons[s.sub_indication] || sw[2]));
            const details = el('details');
            details.append(el('summary', '', 'Chi tiết kỹ thuật'));
            const table = el('table');
            (s.checks || []).forEach(c => {
              const row = el('tr');
              row.append(el('td', '', c.name), el('td', '', c.outcome), el('td', '', c.detail || ''));
              table.append(row);
            });
            details.append(table);
            card.append(details);
            out.append(card);
          });
        }
        async function verify(file) {
          const out = document.getElementById('result');
          out.replaceChildren(el('p', 'card', 'Đang kiểm tra ' + file.name + '…'));
          try {
            const response = await fetch('/v1/verify?name=' + encodeURIComponent(file.name), {
              method: 'POST', body: file,
              headers: {'Content-Type': 'application/pdf', 'Authorization': 'Bearer ' + token()}
            });
            const body = await response.json();
            if (!response.ok) {
              const e = el('div', 'card failed', 'Không kiểm tra được: ' + problemText(body));
              e.id = 'error';
              out.replaceChildren(e);
              return;
            }
            show(body);
          } catch (e) {
            out.replaceChildren(el('div', 'card failed', 'Không kết nối được với máy chủ.'));
          }
        }
        const drop = document.getElementById('drop');
        document.getElementById('file').onchange = e => { if (e.target.files[0]) verify(e.target.files[0]); };
        drop.ondragover = e => { e.preventDefault(); drop.classList.add('over'); };
        drop.ondragleave = () => drop.classList.remove('over');
        drop.ondrop = e => {
          e.preventDefault(); drop.classList.remove('over');
          if (e.dataTransfer.files[0]) verify(e.dataTransfer.files[0]);
        };
        </script></main></body></html>
        """

    static let statistics = """
        <!doctype html>
        <html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <title>Thống kê văn bản ký số — esign</title>\(style)</head>
        <body><header><a href="/">Kiểm tra văn bản</a><a href="/stats">Thống kê ký số</a></header><main>
        <h1>Tỷ lệ văn bản điện tử có chữ ký số</h1>
        <p>Văn bản phát hành có ký số ÷ văn bản phát hành (không tính văn bản mật), theo cấp, đơn vị và kỳ.
        <i>Signing coverage, live from the ledger.</i></p>
        \(tokenBox)
        <div class="card">
          <label>Từ ngày <input id="from" type="date"></label>
          <label>Đến ngày <input id="to" type="date"></label>
          <label>Theo <select id="by">
            <option value="level">cấp</option><option value="unit">đơn vị</option>
            <option value="month">tháng</option><option value="quarter">quý</option><option value="year">năm</option>
          </select></label>
          <button id="show" type="button">Xem</button>
        </div>
        <div id="overall" class="card" aria-live="polite"></div>
        <iframe id="report" title="Báo cáo"></iframe>
        <script>
        async function load() {
          const q = new URLSearchParams();
          for (const k of ['from', 'to', 'by']) { const v = document.getElementById(k).value; if (v) q.set(k, v); }
          const headers = {'Authorization': 'Bearer ' + token()};
          const overall = document.getElementById('overall');
          try {
            const json = await fetch('/v1/stats?' + q, {headers});
            const body = await json.json();
            if (!json.ok) { overall.textContent = 'Không xem được: ' + problemText(body); return; }
            const o = body.overall;
            overall.dataset.rate = o.rate === null || o.rate === undefined ? '' : o.rate;
            overall.textContent = 'Toàn bộ: ' + o.signed + ' / ' + o.eligible + ' văn bản có chữ ký số' +
              (o.rate === null || o.rate === undefined ? '' : ' (' + o.rate.toFixed(1) + '%)') +
              '; ' + o.classified + ' văn bản mật không tính.';
            q.set('format', 'html');
            const html = await fetch('/v1/stats?' + q, {headers});
            document.getElementById('report').srcdoc = await html.text();
          } catch (e) {
            overall.textContent = 'Không kết nối được với máy chủ.';
          }
        }
        document.getElementById('show').onclick = load;
        if (token()) load();
        </script></main></body></html>
        """
}
