namespace Panel.Web.Features.History;

/// <summary>
/// The archive's index.html: one file, no network. The room and its events are embedded as JSON
/// lines (the writer puts them where <see cref="DataMarker"/> is); the script shows the timeline
/// with threads folded under their first message, edits as their final text, reactions, images
/// from media/, and a search box. Text is set with textContent only: nothing in an event becomes markup.
/// </summary>
internal static class RoomArchivePage
{
    public const string DataMarker = "@@DATA@@";

    public const string Template = """
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data: media/; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>Room archive</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1b1b1f; background: #f6f6f8; }
  header { background: #fff; border-bottom: 1px solid #ddd; padding: 12px 16px; position: sticky; top: 0; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  .meta, .time, .count { color: #666; font-size: 13px; }
  .notice { background: #fff4e5; border: 1px solid #f0c36d; padding: 8px 12px; margin: 8px 0 0; border-radius: 4px; }
  input[type=search] { width: 100%; max-width: 420px; padding: 6px 8px; margin-top: 8px; box-sizing: border-box; }
  main { padding: 8px 16px 40px; max-width: 900px; }
  .msg { background: #fff; border-radius: 6px; padding: 8px 12px; margin: 6px 0; overflow-wrap: anywhere; }
  .sender { font-weight: 600; margin-right: 8px; }
  .body { white-space: pre-wrap; }
  .other { color: #666; font-style: italic; }
  img { max-width: 100%; max-height: 320px; display: block; margin-top: 4px; }
  details { margin: 6px 0 0 12px; border-left: 3px solid #c5cae9; padding-left: 8px; }
  .reactions span { display: inline-block; background: #eef; border-radius: 10px; padding: 0 8px; margin: 4px 4px 0 0; font-size: 13px; }
  .edited { color: #888; font-size: 12px; margin-left: 4px; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<header>
  <h1 id="name">Room archive</h1>
  <div class="meta" id="meta"></div>
  <div class="notice" id="notice" hidden></div>
  <input type="search" id="search" placeholder="Search messages" aria-label="Search messages">
  <span class="count" id="count"></span>
</header>
<main id="timeline"></main>
<script type="text/plain" id="data">
@@DATA@@
</script>
<script>
(function () {
  var lines = document.getElementById('data').textContent.split('\n').filter(function (l) { return l.trim().length > 0; });
  var room = JSON.parse(lines[0]);
  var events = lines.slice(1).map(function (l) { return JSON.parse(l); });
  var media = room.media || {};
  var names = {}, edits = {}, reactions = {}, replies = {}, roots = [];
  events.forEach(function (e) {
    if (e.type === 'm.room.member' && e.content && e.content.displayname) { names[e.state_key] = e.content.displayname; }
    var rel = e.content && e.content['m.relates_to'];
    if (rel && rel.rel_type === 'm.replace' && e.content['m.new_content']) { edits[rel.event_id] = e.content['m.new_content']; return; }
    if (e.type === 'm.reaction' && rel) { (reactions[rel.event_id] = reactions[rel.event_id] || {})[rel.key] = ((reactions[rel.event_id] || {})[rel.key] || 0) + 1; return; }
    if (rel && rel.rel_type === 'm.thread') { (replies[rel.event_id] = replies[rel.event_id] || []).push(e); return; }
    roots.push(e);
  });
  function text(tag, cls, value) { var el = document.createElement(tag); if (cls) { el.className = cls; } el.textContent = value; return el; }
  function who(id) { return names[id] || id; }
  function when(ts) { return new Date(ts).toLocaleString(); }
  function render(e) {
    var div = document.createElement('div');
    div.className = 'msg';
    div.id = e.event_id;
    div.appendChild(text('span', 'sender', who(e.sender)));
    div.appendChild(text('span', 'time', when(e.origin_server_ts)));
    var content = edits[e.event_id] || e.content || {};
    if (e.type === 'm.room.message') {
      if ((content.msgtype === 'm.image' || content.msgtype === 'm.file') && content.url) {
        var path = media[content.url];
        if (path && content.msgtype === 'm.image') { var img = document.createElement('img'); img.src = path; img.alt = content.body || ''; div.appendChild(img); }
        else if (path) { var a = text('a', null, content.body || path); a.href = path; div.appendChild(document.createElement('div')).appendChild(a); }
        else { div.appendChild(text('div', 'other', (content.body || 'a file') + ' (not in this archive)')); }
      } else {
        div.appendChild(text('div', 'body', content.msgtype === 'm.emote' ? '* ' + who(e.sender) + ' ' + (content.body || '') : (content.body || '')));
      }
      if (edits[e.event_id]) { div.appendChild(text('span', 'edited', '(edited)')); }
    } else if (e.type === 'm.room.encrypted') {
      div.appendChild(text('div', 'other', 'An encrypted message: the server holds only its ciphertext.'));
    } else if (e.type === 'm.room.member') {
      div.appendChild(text('div', 'other', (e.content && e.content.membership === 'join' ? 'joined' : e.content ? e.content.membership : 'membership')));
    } else {
      div.appendChild(text('div', 'other', e.type));
    }
    var r = reactions[e.event_id];
    if (r) { var rs = document.createElement('div'); rs.className = 'reactions'; Object.keys(r).forEach(function (k) { rs.appendChild(text('span', null, k + ' ' + r[k])); }); div.appendChild(rs); }
    var thread = replies[e.event_id];
    if (thread) {
      var d = document.createElement('details');
      d.appendChild(text('summary', null, thread.length + (thread.length === 1 ? ' reply' : ' replies')));
      thread.forEach(function (t) { d.appendChild(render(t)); });
      div.appendChild(d);
    }
    return div;
  }
  document.getElementById('name').textContent = room.name || room.alias || room.room_id;
  document.title = (room.name || room.room_id) + ' · archive';
  document.getElementById('meta').textContent = (room.topic ? room.topic + ' · ' : '') + room.room_id + ' · ' + room.events + ' events · exported ' + new Date(room.exported_at).toLocaleString();
  if (room.notice) { var n = document.getElementById('notice'); n.textContent = room.notice; n.hidden = false; }
  var timeline = document.getElementById('timeline');
  roots.forEach(function (e) { timeline.appendChild(render(e)); });
  var count = document.getElementById('count');
  document.getElementById('search').addEventListener('input', function (ev) {
    var q = ev.target.value.trim().toLowerCase(), shown = 0;
    Array.prototype.forEach.call(timeline.children, function (m) {
      var hit = q === '' || m.textContent.toLowerCase().indexOf(q) >= 0;
      m.hidden = !hit;
      if (hit && q !== '') { var d = m.querySelector('details'); if (d) { d.open = true; } }
      shown += hit ? 1 : 0;
    });
    count.textContent = q === '' ? '' : ' ' + shown + ' found';
  });
})();
</script>
</body>
</html>
""";
}
