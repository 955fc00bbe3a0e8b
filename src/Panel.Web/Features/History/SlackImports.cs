using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Panel.Domain.Common;
using Panel.Domain.History;
using Panel.Infrastructure.Configuration;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Slack;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.History;

/// <summary>
/// Slack exports: uploaded to disk as they stream in, checked and previewed before anything is
/// written, then imported as an operation (steps, progress, cancel, audit) that can run again to
/// finish what an interrupted run left.
/// </summary>
public sealed partial class SlackImports(
    IDbContextFactory<PanelDbContext> contexts,
    IOptions<PanelOptions> panel,
    HomeserverAccess homeserver,
    HomeserverOperations operations,
    HistoryAppServices appservice,
    SlackAvatars avatars,
    IAuditLog audit,
    TimeProvider clock,
    ILogger<SlackImports> logger)
{
    /// <summary>The largest export the panel takes: they run to gigabytes with their files.</summary>
    public const long MaxUploadBytes = 32L * 1024 * 1024 * 1024;

    public static readonly IReadOnlyList<(string, string)> Steps =
    [
        ("appservice", "Register the panel's history appservice"),
        ("people", "Make a ghost for each person"),
        ("rooms", "Make the space and a room per channel"),
        ("messages", "Send the messages with their original times"),
    ];

    private readonly ConcurrentDictionary<Guid, SlackPreview> _previews = new();
    private CancellationTokenSource? _running;

    private string Directory => Path.Combine(panel.Value.DataDirectoryFullPath, "history");

    /// <summary>Streams an upload to disk, checks that it is a Slack export, and previews it; nothing is kept of one that is not.</summary>
    public async Task<SlackImportView> UploadAsync(Stream body, string? fileName, AuditActor actor, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var id = Guid.NewGuid();
        var path = Path.Combine(Directory, $"{id:N}.zip");
        var name = string.IsNullOrWhiteSpace(fileName) ? "slack-export.zip" : Path.GetFileName(fileName.Trim());
        try
        {
            long bytes;
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                var buffer = new byte[81920];
                bytes = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    bytes += read;
                    if (bytes > MaxUploadBytes)
                    {
                        throw new DomainException($"The upload is larger than the {new ByteSize(MaxUploadBytes)} the panel takes.");
                    }

                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }

            if (bytes == 0)
            {
                throw new DomainException("The upload is empty: choose the export's ZIP file.");
            }

            var workspace = WorkspaceFrom(name);
            using (var export = SlackExportReader.Open(path))
            {
                _previews[id] = export.Preview(workspace);
            }

            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            db.SlackImports.Add(SlackImport.Uploaded(id, workspace, name, bytes, path, clock.GetUtcNow()));
            await db.SaveChangesAsync(cancellationToken);
            await audit.RecordAsync(actor, "history.slack-upload", name, Panel.Domain.Audit.AuditOutcome.Success, $"{new ByteSize(bytes)}, {_previews[id].Messages} messages", cancellationToken);
            return (await GetAsync(id, cancellationToken))!;
        }
        catch
        {
            // A refused or broken upload leaves nothing behind.
            File.Delete(path);
            throw;
        }
    }

    public async Task<IReadOnlyList<SlackImportView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var imports = await db.SlackImports.AsNoTracking().OrderByDescending(i => i.UploadedAt).ToListAsync(cancellationToken);
        return [.. imports.Select(i => View(i, null))];
    }

    public async Task<SlackImportView?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var import = await db.SlackImports.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
        if (import is null)
        {
            return null;
        }

        if (!_previews.TryGetValue(id, out var preview) && File.Exists(import.StoredPath))
        {
            using var export = SlackExportReader.Open(import.StoredPath);
            preview = _previews[id] = export.Preview(import.Workspace);
        }

        return View(import, preview);
    }

    /// <summary>Where the upload's file is kept (null for an unknown upload).</summary>
    public async Task<string?> StoredPathAsync(Guid id, CancellationToken cancellationToken) => (await LoadAsync(id, cancellationToken))?.StoredPath;

    /// <summary>Starts importing the chosen channels; answers once the operation runs.</summary>
    public async Task StartAsync(Guid id, SlackImportRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        var d = (await homeserver.GetAdminContextAsync(cancellationToken)).Deployment;
        d.EnsureManaged();
        var view = await GetAsync(id, cancellationToken) ?? throw new NotFoundException("There is no such upload.");
        var preview = view.Preview ?? throw new DomainException("The upload's file is gone: upload the export again.");
        var choices = request.Channels is { Count: > 0 } c ? c : [.. preview.Channels.Select(x => new SlackChannelChoice(x.Id, x.Kind == SlackChannelKind.Public))];
        var unknown = choices.Select(x => x.Id).Except(preview.Channels.Select(x => x.Id)).ToList();
        if (unknown.Count > 0)
        {
            throw new DomainException($"The export has no channel {string.Join(", ", unknown)}.");
        }

        var workspace = string.IsNullOrWhiteSpace(request.Workspace) ? view.Workspace : request.Workspace.Trim();
        var total = preview.Channels.Where(x => choices.Any(y => y.Id == x.Id)).Sum(x => x.Messages);
        if (view.Status == "interrupted")
        {
            await ChangeAsync(id, i => i.Finish(SlackImportStatus.Failed, clock.GetUtcNow(), view.LastError), cancellationToken);
        }

        await ChangeAsync(id, i => i.Start(workspace, [.. choices.Select(x => (x.Id, x.Public))], total), cancellationToken);
        var cancel = new CancellationTokenSource();
        try
        {
            _ = operations.Start("history-import", Steps, async (progress, ct) =>
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, cancel.Token);
                var record = (await LoadAsync(id, linked.Token))!;
                using var export = SlackExportReader.Open(record.StoredPath);
                var writer = await appservice.EnsureAsync(d, progress, "appservice", linked.Token);
                try
                {
                    await new SlackImportRun(contexts, export, writer, avatars, d, record, clock).RunAsync(progress, linked.Token);
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested && !ct.IsCancellationRequested)
                {
                    throw new DomainException("The import was cancelled. What was sent stays; importing again continues where it stopped.");
                }

                await ChangeAsync(id, i => i.Finish(SlackImportStatus.Done, clock.GetUtcNow()), CancellationToken.None);
                LogImported(logger, record.Workspace, record.Total);
            }, subject: workspace,
            audit: new OperationAudit(actor, "history.slack-import", workspace, $"{choices.Count} channel(s), {total} messages from {view.FileName}"),
            onFailure: (message, ct) => ChangeAsync(id, i => i.Finish(cancel.IsCancellationRequested ? SlackImportStatus.Cancelled : SlackImportStatus.Failed, clock.GetUtcNow(), message), ct));
            _running = cancel;
        }
        catch
        {
            await ChangeAsync(id, i => i.Finish(SlackImportStatus.Failed, clock.GetUtcNow(), "It could not start."), CancellationToken.None);
            cancel.Dispose();
            throw;
        }
    }

    /// <summary>Asks the running import to stop after the message it is sending.</summary>
    public void Cancel()
    {
        if (_running is not { } running || operations.Current is not { Kind: "history-import", IsRunning: true })
        {
            throw new ConflictException("No import is running.");
        }

        running.Cancel();
    }

    public async Task DeleteAsync(Guid id, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var import = await db.SlackImports.SingleOrDefaultAsync(i => i.Id == id, cancellationToken) ?? throw new NotFoundException("There is no such upload.");
        if (import.Status == SlackImportStatus.Importing && operations.Current is { Kind: "history-import", IsRunning: true })
        {
            throw new ConflictException("It is being imported: cancel the import first.");
        }

        File.Delete(import.StoredPath);
        db.SlackImports.Remove(import);
        await db.SaveChangesAsync(cancellationToken);
        _previews.TryRemove(id, out _);
        await audit.RecordAsync(actor, "history.slack-delete", import.FileName, Panel.Domain.Audit.AuditOutcome.Success, "the upload is deleted; imported rooms stay", cancellationToken);
    }

    /// <summary>"Acme Slack export Jan 1 2024 - Dec 31 2025.zip" → "Acme".</summary>
    public static string WorkspaceFrom(string fileName)
    {
        var stem = Path.GetFileNameWithoutExtension(fileName);
        var at = stem.IndexOf(" Slack export", StringComparison.OrdinalIgnoreCase);
        var name = (at > 0 ? stem[..at] : stem).Trim();
        return name.Length is > 0 and <= 100 ? name : "Slack";
    }

    private SlackImportView View(SlackImport i, SlackPreview? preview) =>
        new(i.Id, i.Workspace, i.FileName, i.FileBytes, Interrupted(i) ? "interrupted" : i.Status.ToString().ToLowerInvariant(), i.Total, i.Done,
            Interrupted(i) ? "The panel stopped during the import. Import again: it continues where it stopped." : i.LastError, i.UploadedAt, i.FinishedAt, preview);

    /// <summary>Importing, with no import running: the panel stopped (or was killed) during it.</summary>
    private bool Interrupted(SlackImport i) => i.Status == SlackImportStatus.Importing && operations.Current is not { Kind: "history-import", IsRunning: true };

    private async Task<SlackImport?> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.SlackImports.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, cancellationToken);
    }

    private async Task ChangeAsync(Guid id, Action<SlackImport> change, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var import = await db.SlackImports.SingleOrDefaultAsync(i => i.Id == id, cancellationToken) ?? throw new NotFoundException("There is no such upload.");
        change(import);
        await db.SaveChangesAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported {Workspace}: {Total} messages")]
    private static partial void LogImported(ILogger logger, string workspace, int total);
}
