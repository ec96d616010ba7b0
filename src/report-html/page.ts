/**
 * The report's style sheet and its one script. The script holds no model data (it only shows the
 * selected region, toggles fit-to-width, finds a node by the text of its tooltip), so nothing a
 * model says can run. It holds no `<` either, so a test can assert that no script element of a
 * report holds one.
 *
 * Where a region opens (laptop screens, ~640 px a pane): on the node where its computation starts
 * (`data-start`, not a node that only reads weights), centred across, the top of the drawing shown
 * unless that node is further down. Fit-to-width starts on only when the first region is at most
 * 1.5 times a pane's width: shrunk further, 11 px labels are no longer legible, and scrolling reads
 * better (bert-base's regions are 1,400 to 4,900 px wide). Fit never enlarges a small drawing.
 */

export const STYLE = `
:root{--removed:#d9534f;--added:#2e9d4f;--rewritten:#e08a00;--kept:#6b7a90;--before:#8aa4c8;--after:#2e9d4f}
*{box-sizing:border-box}
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;background:#f6f7f9}
header{background:#1d2430;color:#fff;padding:10px 20px}h1{margin:0;font-size:18px;font-weight:600;overflow-wrap:anywhere}
main{padding:12px 20px;max-width:1800px}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:10px 14px;margin:0 0 12px;overflow-x:auto}
h2{font-size:15px;margin:0 0 8px}h3{font-size:13px;margin:0 0 6px}
.top{display:flex;gap:12px;flex-wrap:wrap;align-items:flex-start}.top>section{flex:1 1 420px}
table{border-collapse:collapse}th,td{padding:3px 10px;text-align:left;border-bottom:1px solid #eef0f3;vertical-align:top}
thead th{font-weight:600;color:#5a6577}td.num{text-align:right;font-variant-numeric:tabular-nums}
.delta.less{color:var(--added)}.delta.more{color:var(--removed)}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere}
.stats{color:#5a6577;font-size:12px}.barcol{width:160px}
.bar{display:inline-block;height:8px;background:var(--before);border-radius:2px;min-width:1px}
#warnings li{overflow-wrap:anywhere;font-size:13px}
.legend{color:#5a6577;font-size:13px}.key{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;border:2px solid}
.key.before{background:var(--before);border-color:var(--before)}.key.after{background:var(--after);border-color:var(--after)}
.key.removed{border-color:var(--removed);background:#fbe9e8}.key.added{border-color:var(--added);background:#e6f5ea}
.key.rewritten{border-color:var(--rewritten);background:#fdf1dc}.key.kept{border-color:var(--kept);background:#fff}
#ops-chart text{font-size:12px}#ops-chart .label{text-anchor:end}#ops-chart .count{fill:#5a6577}
#ops-chart rect.before{fill:var(--before)}#ops-chart rect.after{fill:var(--after)}#ops-chart .changed text{font-weight:700}
.controls{margin:6px 0}.panes{display:flex;gap:12px}.pane{flex:1 1 0;min-width:0}
.scroll{height:72vh;overflow:auto;border:1px solid #dde1e7;border-radius:4px;background:#fcfcfd}
body.fit .dag{max-width:100%;height:auto}
.dag text{font:11px ui-monospace,SFMono-Regular,Menlo,monospace;fill:#1d2430}.dag text.op{font-weight:700}
.dag text.shape{font-size:9px;fill:#5a6577}
.dag .edges path{fill:none;stroke:#9aa5b5;stroke-width:1.2}.dag marker path{fill:#9aa5b5}
.dag rect{stroke-width:1.6}.dag .node rect{fill:#fff;stroke:var(--kept)}
.dag .removed rect{fill:#fbe9e8;stroke:var(--removed);stroke-dasharray:4 2}.dag .added rect{fill:#e6f5ea;stroke:var(--added)}
.dag .rewritten rect{fill:#fdf1dc;stroke:var(--rewritten)}
.dag .stub rect{fill:#eef1f5;stroke:#b8c0cc;stroke-dasharray:2 2}.dag .stub text{fill:#5a6577}
.empty{color:#5a6577;padding:10px}
.dag .found rect{stroke:#1f6feb;stroke-width:4}.dag .ext{cursor:pointer}
@media (max-width:1000px){.panes{flex-direction:column}}
`.trim();

export const SCRIPT = `
(function(){
var sel=document.getElementById('region'),fit=document.getElementById('fit');
function shown(pane){return pane.querySelector('.region:not([hidden]) svg');}
function focus(pane){pane.scrollTop=0;pane.scrollLeft=0;var s=shown(pane),a=s?(s.getAttribute('data-start')||'').split(' '):[];if(a.length!==2)return;
var w=s.viewBox.baseVal.width||1,r=s.getBoundingClientRect(),p=pane.getBoundingClientRect(),k=r.width/w,x=r.left-p.left+Number(a[0])*k,y=r.top-p.top+Number(a[1])*k;
pane.scrollLeft=Math.max(0,x-pane.clientWidth/2);if(y>pane.clientHeight*0.6)pane.scrollTop=y-pane.clientHeight/4;}
function show(){var k=sel.value;document.querySelectorAll('.region').forEach(function(d){d.hidden=d.getAttribute('data-region')!==k;});
['graph-before','graph-after'].forEach(function(id){var pane=document.getElementById(id);if(pane)focus(pane);});}
sel.addEventListener('change',show);
document.addEventListener('click',function(e){var g=e.target&&e.target.closest&&e.target.closest('[data-goto]');if(g){sel.value=g.getAttribute('data-goto');show();}});
var find=document.getElementById('find'),status=document.getElementById('find-status'),last=-1;
find.addEventListener('keydown',function(e){if(e.key!=='Enter')return;var q=find.value.toLowerCase();if(!q)return;
var hits=Array.prototype.filter.call(document.querySelectorAll('#graph-before .node, #graph-after .node'),function(n){var t=n.querySelector('title');return t&&t.textContent.toLowerCase().indexOf(q)>=0;});
document.querySelectorAll('.found').forEach(function(n){n.classList.remove('found');});
if(!hits.length){status.textContent='no match';return;}
last=(last+1)%hits.length;var n=hits[last],r=n.closest('.region');sel.value=r.getAttribute('data-region');show();
n.classList.add('found');n.scrollIntoView({block:'center',inline:'center'});status.textContent=(last+1)+' of '+hits.length;});
find.addEventListener('input',function(){last=-1;status.textContent='';});
fit.addEventListener('change',function(){document.body.classList.toggle('fit',fit.checked);show();});
var over=0;['graph-before','graph-after'].forEach(function(id){var pane=document.getElementById(id),s=pane&&shown(pane);if(s&&pane.clientWidth)over=Math.max(over,s.getBoundingClientRect().width/pane.clientWidth);});
if(over>1&&1.5>=over){fit.checked=true;document.body.classList.add('fit');}
show();
})();
`.trim();
