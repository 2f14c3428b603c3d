"""Corrections to moto where it differs from AWS, or grows without bound, in ways the local stack
relies on. Each fix is a small, self-contained patch with its own reason, written so that it could
be sent upstream; `apply_all()` installs them once (idempotent).

Found by profiling a local stack under reservation load (200 lifecycles: 1,211 `Table` objects for
5 tables, 2.2 million `DynamoType`, 81,000 `StreamRecord` for 403 stream records, memory growing
~3.8 MiB per lifecycle, time per lifecycle rising by half from the first hundred to the second):

- `track_instances_weakly`: every moto model instance is appended to a class-level
  `instances_tracked` list (for the `/moto-api/data.json` dashboard), so no `Item`, `StreamRecord`,
  `ShardIterator`, SQS `Message` or `Table` copy is ever freed. The list becomes a weak registry.
- `roll_back_only_touched_items`: `TransactWriteItems` deep-copies every table it touches on every
  call, to put the copy back if an action fails. It now keeps the prior version of the items it
  touches and restores only those (and keeps the live stream shard, dropping the records of the
  cancelled writes). Requests that run during a transaction could still see it half done; the local
  endpoint (`AwsEndpoint`) hands DynamoDB requests to moto one at a time, so there are none.
- `trim_stream_shards`: a stream shard keeps every record forever; DynamoDB keeps 24 hours. Records
  older than that, and the oldest beyond a cap, are trimmed; `trim_stream_shard()` lets a consumer
  that knows every reader's position (the local event-source pollers) drop what all have read.
- `expire_shard_iterators`: every `GetRecords` mints a new iterator, kept forever; AWS expires them
  after 15 minutes.
- `prune_finished_executions`: every Step Functions execution, with its history and interpreter
  state, is kept forever (and `SendTask*` scans them all). Finished ones beyond the newest
  `KEEP_FINISHED_EXECUTIONS` per state machine are dropped; running ones never. Starts of one
  backend are serialised, which also makes a same-name start idempotent under concurrency.
- `drop_finished_worker_threads`: the interpreter appends every worker thread it starts to a
  module-level `TMP_THREADS` list, which keeps each finished execution's frames alive.
- `reuse_executor_clients`: the interpreter builds a new boto3 client (and connection pool, and
  TLS context) for every Lambda or service task; clients are now made once per region and service,
  and hand their requests to the app serving the endpoint in the same process when there is one
  (`local_stack/in_process.py`), instead of a loopback HTTP round trip.
- `cache_backend_lookup`: the server lists moto's package directory (`os.listdir` + `isdir` on ~200
  entries) under a global lock on every request to find the backend for a host.
- `dispatch_root_requests_directly`: an RPC request to `/` (every JSON or query-protocol call)
  went through a Flask app (request context, URL matching, response finalising) only to reach the
  service's one `dispatch`, which is now called directly with the same request and the same answer.
- `wait_until_timestamp`: a `Wait` with `Timestamp`/`TimestampPath` truncated the timestamp to the
  second, compared it with naive local time and waited a whole number of seconds, so it ended up
  to a second early (or off by the UTC offset); a `Seconds` wait woken early re-waited whole
  seconds. Waits now end at their instant (UTC, fractional seconds, never early).
- `copy_state_data_as_json`: the interpreter deep-copies a state's input and results at every
  read and write with `copy.deepcopy`; those JSON values are now copied directly (three times
  faster, the same copy).
- `count_state_transitions`: a hook (`state_transition_listeners`) called for every state entered
  and every retry, which is what Step Functions bills.
- `compute_queue_attributes_on_demand`: every SendMessage read the queue's whole attribute dict,
  counting every message in it, so sending got slower the fuller the queue.
- `encode_plain_results_directly`: item operations, stream reads and execution starts skip moto's
  model-driven serializer; their results are already in wire form.
- `list_handler_methods_once`: every request listed its handler class's methods with
  `inspect.getmembers` to check that the action has one; the list is kept per class.
- `check_update_clauses_at_the_root`: two of an `UpdateExpression`'s validators (one `ADD`/`SET`/
  `REMOVE` clause each, no overlapping paths) ran their check at every node of the expression's
  tree, each check walking that node's whole subtree: quadratic in the expression's length, and
  the largest cost of an `UpdateItem` (0.9 ms of 2.6 ms validating a four-action expression).
- `parse_update_expressions_once`: an `UpdateItem` (or a transaction's `Update`) parsed its
  expression twice, in the request handler and in the backend; an application sends the same few
  expressions again and again. Parsed trees are kept per expression (the validator works on a copy).
- `query_one_partition`: a `Query` on a table's own key listed (and sorted) every item of the table
  to keep those of one partition, so reading a product's stock, or its ledger, got slower with
  every item in the table (a stack left running all day). It now lists that partition only.
- `query_index_partitions`: a `Query` on an index still listed every item of the table (the
  sweeper's 16 index queries took 103 ms at 2,000 records, 1,004 ms at 20,000). Each queried index
  now keeps its items by index hash key, updated by every write of an item; a query lists the
  items under its key only, and moto still checks every condition on them.
- `copy_old_items_only_when_answered`: every `UpdateItem` deep-copied and encoded the item before
  updating it, only for the return values that answer from the old item; the others skip both.
- `copy_expression_trees_structurally`: that copy (`copy.deepcopy` of the tree, for every update)
  went through the generic reduce protocol node by node; nodes now copy their own attributes
  (3 times faster, the same tree).
- `dispatch_expression_nodes_by_class`: each of an update's eight validation walks rebuilt its
  processor table (a dict of bound methods) twice at every node of the tree and tested the node
  against it with `isinstance` on abstract classes; the table is now built once per walker and the
  processor looked up once per node class. The largest cost of validating an update.
- `lex_condition_expressions_once`: a condition expression was tokenised again for every write
  (compiling a dozen patterns per token); its tokens are kept per expression string.
- `parse_condition_expressions_once`: a transaction's action parsed its condition three times (in
  the request handler, in the transaction and again in the put, update or delete it hands on to:
  nine parses for a hold's three actions), and a single write twice; an application sends the same
  few conditions with the same few values again and again. Parsed trees are kept per expression
  and the names and values it uses.
- `size_new_items_once`: a new item checked the 400 KB limit after each attribute it was given,
  sizing all the attributes before it every time (quadratic in the number of attributes); it now
  sizes them once, with the same limit and the same error.
- `size_updated_items_once`: likewise an update sized the whole item before each attribute it set;
  within one update the attributes' sizes are now kept, so each set sizes only its new value.
"""

from __future__ import annotations

import base64
import datetime
import functools
import json
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any

_APPLIED: set[str] = set()
_APPLY_LOCK = threading.Lock()

KEEP_FINISHED_EXECUTIONS = 200  # per state machine
STREAM_RETENTION_SECONDS = 24 * 3600  # DynamoDB Streams keep records 24 hours
STREAM_MAX_RECORDS = 10_000  # per shard, whatever the readers' positions
SHARD_ITERATOR_TTL_SECONDS = 15 * 60  # AWS: an iterator expires 15 minutes after it is returned
SHARD_ITERATOR_MAX = 2_000

# Called with no arguments once per billed Step Functions state transition.
state_transition_listeners: list[Callable[[], None]] = []


def _once(name: str) -> bool:
    with _APPLY_LOCK:
        if name in _APPLIED:
            return False
        _APPLIED.add(name)
        return True


def apply_all() -> None:
    track_instances_weakly()
    roll_back_only_touched_items()
    trim_stream_shards()
    expire_shard_iterators()
    prune_finished_executions()
    drop_finished_worker_threads()
    reuse_executor_clients()
    cache_backend_lookup()
    dispatch_root_requests_directly()
    wait_until_timestamp()
    count_state_transitions()
    parse_state_machines_once()
    compile_json_paths_once()
    copy_state_data_as_json()
    start_executions_in_the_background()
    pass_task_failure_cause()
    evaluate_choice_variables_quietly()
    compute_queue_attributes_on_demand()
    encode_plain_results_directly()
    parse_plain_item_requests_directly()
    list_handler_methods_once()
    check_update_clauses_at_the_root()
    parse_update_expressions_once()
    copy_old_items_only_when_answered()
    copy_expression_trees_structurally()
    query_one_partition()
    query_index_partitions()
    dispatch_expression_nodes_by_class()
    lex_condition_expressions_once()
    parse_condition_expressions_once()
    size_new_items_once()
    size_updated_items_once()
    refuse_unparsable_expressions()
    refuse_mistyped_keys()


# -- instance tracking ---------------------------------------------------------------------------
class WeakInstances:
    """A stand-in for a model's `instances_tracked` list that does not keep its instances alive.

    Iterating it yields the live instances (what the moto dashboard lists); `append` is all moto
    calls on it. Instances that cannot be weakly referenced are not tracked."""

    __slots__ = ("__weakref__", "_refs")

    def __init__(self, instances: Any = ()) -> None:
        # Keyed by id(): models may define __eq__ without __hash__.
        self._refs: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
        for instance in instances:
            self.append(instance)

    def append(self, instance: Any) -> None:
        try:
            self._refs[id(instance)] = instance
        except TypeError:
            pass

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._refs.values()))

    def __len__(self) -> int:
        return len(self._refs)

    def clear(self) -> None:
        self._refs.clear()


def track_instances_weakly() -> None:
    if not _once("track_instances_weakly"):
        return
    from moto.core import model_instances
    from moto.core.base_backend import InstanceTrackerMeta

    for models in model_instances.model_data.values():
        for model in models.values():
            model.instances_tracked = WeakInstances(model.instances_tracked)  # type: ignore[attr-defined]

    original_new = InstanceTrackerMeta.__new__

    def __new__(meta: type, name: str, bases: Any, dct: dict[str, Any]) -> type:
        cls = original_new(meta, name, bases, dct)
        if name != "BaseModel":
            cls.instances_tracked = WeakInstances()  # type: ignore[attr-defined]
        return cls

    InstanceTrackerMeta.__new__ = staticmethod(__new__)  # type: ignore[method-assign]

    def reset_model_data() -> None:
        for models in model_instances.model_data.values():
            for model in models.values():
                model.instances_tracked = WeakInstances()  # type: ignore[attr-defined]

    model_instances.reset_model_data = reset_model_data
    for module in list(sys.modules.values()):
        named = getattr(module, "reset_model_data", None) is not None
        if named and module is not model_instances and module.__name__.startswith("moto."):
            module.reset_model_data = reset_model_data  # type: ignore[attr-defined]


# -- DynamoDB transactions -----------------------------------------------------------------------
def item_key(table: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type == "Put":
        attrs = op["Item"]
        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = attrs[table.range_key_attr]
        return key
    return dict(op["Key"])


def typed_key(table: Any, key: dict[str, Any]) -> tuple[Any, Any]:
    """A key in DynamoDB's JSON form as moto files it: (hash value, range value or None)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    hash_value = DynamoType(key[table.hash_key_attr])
    if table.range_key_attr is None:
        return hash_value, None
    return hash_value, DynamoType(key[table.range_key_attr])


def _stored_at(table: Any, hash_value: Any, range_value: Any) -> Any:
    bucket = table.items.get(hash_value)  # .get: `items` is a defaultdict, a lookup would add
    if table.range_key_attr is None or bucket is None:
        return bucket
    return bucket.get(range_value)


def stored_item(table: Any, key: dict[str, Any]) -> Any:
    """The item stored under a key, without the side effect of creating an empty hash bucket."""
    try:
        return _stored_at(table, *typed_key(table, key))
    except (KeyError, TypeError, AttributeError):
        return None


def _restore_item(table: Any, key: dict[str, Any], item: Any) -> None:
    hash_value, range_value = typed_key(table, key)
    if table.range_key_attr is None:
        if item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item
    else:
        bucket = table.items.get(hash_value)
        if item is None:
            if bucket is not None:
                bucket.pop(range_value, None)
                if not bucket:
                    table.items.pop(hash_value, None)
        else:
            table.items[hash_value][range_value] = item
    refile_key(table, hash_value, range_value)  # the indexes of `query_index_partitions`


def roll_back_only_touched_items() -> None:
    """`TransactWriteItems` with an undo log of the touched items instead of whole-table copies."""
    if not _once("roll_back_only_touched_items"):
        return
    import copy

    from moto.dynamodb.comparisons import get_filter_expression as filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import DynamoDBBackend

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        # The prior version of every item an action touches (None: it did not exist), and the
        # length of every touched table's stream shard, to undo a cancelled transaction.
        undo: list[tuple[Any, dict[str, Any], Any]] = []
        shards: dict[int, tuple[Any, Any, int]] = {}
        target_items: set[tuple[str, str]] = set()

        def check_unicity(table_name: str, key: dict[str, Any]) -> None:
            item = (str(table_name), str(dict(sorted(key.items()))))
            if item in target_items:
                raise MultipleTransactionsException()
            target_items.add(item)

        def roll_back() -> None:
            for table, key, item in reversed(undo):
                _restore_item(table, key, item)
            for table, shard, length in shards.values():
                del shard.items[length:]
                if table.stream_shard is not shard:
                    shard.table = table
                    table.stream_shard = shard

        errors: list[tuple[str, str, dict[str, Any]] | tuple[None, None, None]] = []
        for item in transact_items:
            original_item: dict[str, Any] | None = None
            if len(list(item.keys())) > 1:
                raise TransactWriteSingleOpException
            try:
                op_type, op = next(iter(item.items()))
                if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                    raise ValueError("Unsupported transaction operation")
                table_name = op["TableName"]
                condition_expression = op.get("ConditionExpression")
                names = op.get("ExpressionAttributeNames")
                values = op.get("ExpressionAttributeValues")
                return_on_failure = op.get("ReturnValuesOnConditionCheckFailure")
                table = self.get_table(table_name)
                key = item_key(table, op_type, op)
                check_unicity(table_name, key)
                if id(table) not in shards and table.stream_shard is not None:
                    shards[id(table)] = (table, table.stream_shard, len(table.stream_shard.items))

                current = self.get_item(table_name, key)
                if condition_expression is not None:
                    condition_op = filter_expression(condition_expression, names, values)
                    if not condition_op.expr(current):
                        if return_on_failure == "ALL_OLD" and current:
                            original_item = current.to_json()["Attributes"]
                        raise ConditionalCheckFailed(item=original_item)

                if op_type != "ConditionCheck":
                    undo.append((table, key, copy.deepcopy(stored_item(table, key))))
                if op_type == "Put":
                    self.put_item(
                        table_name,
                        op["Item"],
                        condition_expression=condition_expression,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                elif op_type == "Delete":
                    self.delete_item(
                        table_name,
                        key,
                        condition_expression=condition_expression,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                elif op_type == "Update":
                    self.update_item(
                        table_name,
                        key,
                        update_expression=op["UpdateExpression"],
                        condition_expression=condition_expression,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                roll_back()
                raise
            except ConditionalCheckFailed as e:
                errors.append(("ConditionalCheckFailed", str(e.message), original_item))  # type: ignore[arg-type]
            except Exception as e:  # reported per action, as moto does
                errors.append((type(e).__name__, str(e), original_item))  # type: ignore[arg-type]

        if any(code is not None for code, _, _ in errors):
            roll_back()
            raise TransactionCanceledException(errors)

    transact_write_items.__doc__ = roll_back_only_touched_items.__doc__
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


# -- DynamoDB streams ----------------------------------------------------------------------------
def trim_stream_shard(shard: Any, through_sequence: int) -> int:
    """Drops the shard's records up to and including `through_sequence`; returns how many.

    Sequence numbers stay as they were: the shard's starting number moves past the dropped ones,
    which is also where a `TRIM_HORIZON` iterator now starts."""
    start = shard.starting_sequence_number
    count = min(len(shard.items), through_sequence - start + 1)
    if count <= 0:
        return 0
    del shard.items[:count]
    shard.starting_sequence_number = start + count
    return count


def _trim_by_age_and_cap(shard: Any) -> None:
    items = shard.items
    excess = len(items) - STREAM_MAX_RECORDS
    if excess > 0:
        trim_stream_shard(shard, shard.starting_sequence_number + excess - 1)
    if not items:
        return
    oldest = items[0].record["dynamodb"].get("ApproximateCreationDateTime")
    if not isinstance(oldest, datetime.datetime):
        return
    now = datetime.datetime.now(oldest.tzinfo) if oldest.tzinfo else datetime.datetime.utcnow()
    cutoff = now - datetime.timedelta(seconds=STREAM_RETENTION_SECONDS)
    if oldest >= cutoff:
        return
    expired = 0
    for record in items:
        created = record.record["dynamodb"].get("ApproximateCreationDateTime")
        if not isinstance(created, datetime.datetime) or created >= cutoff:
            break
        expired += 1
    trim_stream_shard(shard, shard.starting_sequence_number + expired - 1)


def trim_stream_shards() -> None:
    """Stream shards keep at most 24 hours and `STREAM_MAX_RECORDS` records; a read before the
    trim horizon reads from it (moto asserted instead)."""
    if not _once("trim_stream_shards"):
        return
    from moto.dynamodb.models.table import StreamShard

    original_add = StreamShard.add

    @functools.wraps(original_add)
    def add(self: StreamShard, old: Any, new: Any) -> None:
        original_add(self, old, new)
        _trim_by_age_and_cap(self)

    def get(self: StreamShard, start: int, quantity: int) -> list[dict[str, Any]]:
        offset = max(0, start - self.starting_sequence_number)
        return [record.to_json() for record in self.items[offset : offset + quantity]]

    StreamShard.add = add  # type: ignore[method-assign]
    StreamShard.get = get  # type: ignore[method-assign]


class _ExpiringIterators(dict[str, Any]):
    """Shard iterators by ARN, forgotten `SHARD_ITERATOR_TTL_SECONDS` after they were handed out
    (and the oldest beyond `SHARD_ITERATOR_MAX`)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._born: dict[str, float] = dict.fromkeys(self, time.monotonic())

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._born.pop(key, None)
        self._born[key] = time.monotonic()
        cutoff = time.monotonic() - SHARD_ITERATOR_TTL_SECONDS
        while self._born:
            oldest, born = next(iter(self._born.items()))
            if born >= cutoff and len(self._born) <= SHARD_ITERATOR_MAX:
                break
            del self._born[oldest]
            super().pop(oldest, None)


def expire_shard_iterators() -> None:
    if not _once("expire_shard_iterators"):
        return
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    original_init = DynamoDBStreamsBackend.__init__

    @functools.wraps(original_init)
    def __init__(self: DynamoDBStreamsBackend, region_name: str, account_id: str) -> None:
        original_init(self, region_name, account_id)
        self.shard_iterators = _ExpiringIterators(self.shard_iterators)

    DynamoDBStreamsBackend.__init__ = __init__  # type: ignore[method-assign]


# -- Step Functions ------------------------------------------------------------------------------
def prune_executions(executions: list[Any], keep: int) -> list[Any]:
    """The executions without the finished ones older than the newest `keep` finished."""
    from moto.stepfunctions.parser.api import ExecutionStatus

    def finished(execution: Any) -> bool:
        status = getattr(execution, "exec_status", None)
        return status is not None and status != ExecutionStatus.RUNNING

    done = [execution for execution in executions if finished(execution)]
    if len(done) <= keep:
        return executions
    dropped = {id(execution) for execution in done[: len(done) - keep]}
    return [execution for execution in executions if id(execution) not in dropped]


def prune_finished_executions() -> None:
    if not _once("prune_finished_executions"):
        return
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.start_execution
    locks: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
    locks_lock = threading.Lock()

    @functools.wraps(original)
    def start_execution(self: StepFunctionsParserBackend, *args: Any, **kwargs: Any) -> Any:
        with locks_lock:
            lock = locks.setdefault(self, threading.Lock())
        with lock:
            execution = original(self, *args, **kwargs)
            state_machine = self.describe_state_machine(args[0] if args else kwargs["state_machine_arn"])
            # A new list, so that a request iterating the old one meanwhile is not disturbed.
            state_machine.executions = prune_executions(state_machine.executions, KEEP_FINISHED_EXECUTIONS)
        return execution

    StepFunctionsParserBackend.start_execution = start_execution  # type: ignore[method-assign]


class _LiveThreads(list[threading.Thread]):
    """`TMP_THREADS` that forgets threads once they have finished (checked when the list has
    doubled since the last check, so appending stays cheap with thousands of live threads)."""

    _limit = 64

    def append(self, thread: threading.Thread) -> None:
        if len(self) >= self._limit:
            self[:] = [t for t in self if t.is_alive() or t.ident is None]
            self._limit = max(64, 2 * len(self))
        super().append(thread)


def drop_finished_worker_threads() -> None:
    if not _once("drop_finished_worker_threads"):
        return
    import importlib

    from moto.stepfunctions.parser import utils

    original = utils.TMP_THREADS
    live = _LiveThreads(original)
    # The interpreter's modules import the list by name; load them so all of them see the new one.
    importlib.import_module("moto.stepfunctions.parser.asl.parse.asl_parser")
    importlib.import_module("moto.stepfunctions.parser.backend.execution")
    for module in list(sys.modules.values()):
        if module is not None and getattr(module, "TMP_THREADS", None) is original:
            module.TMP_THREADS = live  # type: ignore[attr-defined]


def _executor_client(region: str, service: str, intercepted: bool, port: int) -> Any:
    """The client moto's `boto_client_for` builds, with a connection pool sized for concurrency."""
    import boto3
    from botocore.config import Config
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds

    from local_stack import in_process

    kwargs: dict[str, Any] = {} if intercepted else {"endpoint_url": f"http://localhost:{port}"}
    client = boto3.client(  # type: ignore[call-overload]
        aws_access_key_id="ak",
        region_name=region,
        service_name=service,
        aws_secret_access_key="sk",
        config=Config(
            parameter_validation=False,
            retries={"max_attempts": 0, "total_max_attempts": 1},
            connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
            read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
            max_pool_connections=64,
        ),
        **kwargs,
    )
    # The interpreter runs in the process serving its endpoint: no loopback round trip per task.
    if intercepted:
        return client
    in_process.attach(client, port)
    return in_process.LambdaInvoker(client, port) if service == "lambda" else client


def reuse_executor_clients() -> None:
    """One boto3 client per (region, service, endpoint) for the interpreter's task calls."""
    if not _once("reuse_executor_clients"):
        return
    import importlib

    from moto.stepfunctions.parser.asl.utils import boto_client

    importlib.import_module("moto.stepfunctions.parser.asl.parse.asl_parser")
    importlib.import_module("moto.stepfunctions.parser.backend.execution")
    original = boto_client.boto_client_for
    clients: dict[tuple[str, str, bool, int], Any] = {}
    lock = threading.Lock()

    @functools.wraps(original)
    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        from moto.core.models import botocore_stubber
        from moto.settings import moto_server_port

        key = (region, service, bool(botocore_stubber.enabled), int(moto_server_port()))
        client = clients.get(key)
        if client is None:
            with lock:
                client = clients.get(key)
                if client is None:
                    client = _executor_client(region, service, botocore_stubber.enabled, key[3])
                    clients[key] = client
        return client

    boto_client.boto_client_for = boto_client_for
    for module in list(sys.modules.values()):
        if module is not None and getattr(module, "boto_client_for", None) is original:
            module.boto_client_for = boto_client_for  # type: ignore[attr-defined]


def cache_backend_lookup() -> None:
    """The backend for a host name is a pure function of the name and the installed package."""
    if not _once("cache_backend_lookup"):
        return
    from moto import backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules

    original = DomainDispatcherApplication.get_backend_for_host
    cache: dict[str | None, Any] = {}

    @functools.wraps(original)
    def get_backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
        try:
            return cache[host]
        except KeyError:
            backend = original(self, host)
            if backend is not None:
                cache[host] = backend
            return backend

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]


def _root_dispatch(app: Any) -> Callable[..., Any] | None:
    """The handler a service's Flask app routes a request for `/` to, if it is moto's `dispatch`."""
    for rule in app.url_map.iter_rules():
        if rule.rule == "/":
            view = app.view_functions.get(rule.endpoint)
            callback = getattr(view, "callback", None)
            return callback if getattr(callback, "__name__", None) == "dispatch" else None
    return None


def dispatch_root_requests_directly() -> None:
    """moto's server hands every request to a Flask app per service. For an RPC request (JSON with
    `X-Amz-Target`, or a form with `Action`) to `/`, which every such service routes to its one
    `dispatch`, Flask's request context, URL matching and response finalising cost nearly as much
    as the work (0.28 of 0.67 ms for a `GetItem` in a loop). That `dispatch` is now called directly,
    with the same request class, the same error mapping and the same answer: Flask-CORS's header
    (what it adds for a request with no `Origin`) included. Requests with an `Origin`, preflights
    and other paths still go through Flask."""
    if not _once("dispatch_root_requests_directly"):
        return
    from botocore.exceptions import ClientError
    from flask import Response
    from moto.core.request import Request
    from moto.moto_api import recorder
    from moto.moto_server import werkzeug_app
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from werkzeug.exceptions import HTTPException
    from werkzeug.wrappers import Response as BaseResponse

    class ServerRequest(Request):
        from_wsgi_server = True  # as moto's Flask request class says of itself

    original = DomainDispatcherApplication.__call__
    handlers: dict[Any, Callable[..., Any] | None] = {}  # a service's Flask app -> its root dispatch

    def direct(environ: dict[str, Any], start_response: Any, handler: Callable[..., Any]) -> Any:
        request = ServerRequest(environ)
        recorder._record_request(request)
        response: BaseResponse
        try:
            try:
                result = handler(request, request.raw_url, dict(request.headers))
            except ClientError as exc:
                result = 400, {}, exc.response["Error"]["Message"]
            status, headers, content = result if len(result) == 3 else (200, {}, result)
            response = Response(response=content, status=status, headers=headers)
        except HTTPException as exc:
            response = exc.get_response(environ)  # what Flask answers for one
        if not werkzeug_app.DISABLE_GLOBAL_CORS and "Access-Control-Allow-Origin" not in response.headers:
            response.headers.add("Access-Control-Allow-Origin", "*")
        return response(environ, start_response)

    @functools.wraps(original)
    def dispatch(self: DomainDispatcherApplication, environ: dict[str, Any], start_response: Any) -> Any:
        if (
            environ.get("PATH_INFO") != "/"
            or environ.get("REQUEST_METHOD") != "POST"
            or "HTTP_ORIGIN" in environ
        ):
            return original(self, environ, start_response)
        app = self.get_application(environ)
        if app not in handlers:
            handlers[app] = _root_dispatch(app)
        handler = handlers[app]
        if handler is None:
            return app(environ, start_response)
        return direct(environ, start_response, handler)

    dispatch.original = original  # type: ignore[attr-defined]
    DomainDispatcherApplication.__call__ = dispatch  # type: ignore[method-assign]


# -- Wait states ---------------------------------------------------------------------------------
def parse_timestamp(timestamp: str) -> datetime.datetime | None:
    """An ASL timestamp (`2026-12-02T15:04:05Z`, `2026-12-02T15:04:05.250Z`) as an aware UTC
    datetime, fractional seconds kept (beyond microseconds rounded up, so never early)."""
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp

    if not Timestamp._is_valid_timestamp_pattern(timestamp):
        return None
    whole, _, fraction = timestamp[:-1].partition(".")
    try:
        moment = datetime.datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.UTC)
    except ValueError:
        return None
    if fraction:
        micros = int(fraction[:6].ljust(6, "0"))
        if fraction[6:].strip("0"):
            micros += 1
        moment += datetime.timedelta(microseconds=micros)
    return moment


def _wait_until(env: Any, deadline: float, clock: Callable[[], float]) -> None:
    """Waits until `clock()` reaches `deadline`, or the execution stops; re-waits on early wakeups."""
    while env.is_running():
        remaining = deadline - clock()
        if remaining <= 0:
            return
        env.program_state_event.wait(remaining)


def _utc_now_seconds() -> float:
    return datetime.datetime.now(datetime.UTC).timestamp()


def wait_until_timestamp() -> None:
    if not _once("wait_until_timestamp"):
        return
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
        WaitFunction,
    )

    def _wait_interval(self: WaitFunction, env: Any, wait_seconds: float) -> None:
        if wait_seconds > 0:
            _wait_until(env, time.monotonic() + wait_seconds, time.monotonic)

    def _deadline(self: Timestamp, env: Any) -> datetime.datetime:
        self.string.eval(env=env)
        timestamp_str: str = env.stack.pop()
        moment = parse_timestamp(timestamp_str)
        if moment is None:
            raise FailureEventException(self._create_failure_event(env, timestamp_str))
        return moment

    def _get_wait_seconds(self: Timestamp, env: Any) -> float:
        return (_deadline(self, env) - datetime.datetime.now(datetime.UTC)).total_seconds()

    def _eval_body(self: Timestamp, env: Any) -> None:
        _wait_until(env, _deadline(self, env).timestamp(), _utc_now_seconds)

    WaitFunction._wait_interval = _wait_interval  # type: ignore[method-assign]
    Timestamp._from_timestamp_string = staticmethod(parse_timestamp)  # type: ignore[method-assign]
    Timestamp._get_wait_seconds = _get_wait_seconds  # type: ignore[method-assign,assignment]
    Timestamp._eval_body = _eval_body  # type: ignore[method-assign,assignment]


# -- billed state transitions --------------------------------------------------------------------
def _notify_transition() -> None:
    for listener in state_transition_listeners:
        listener()


def count_state_transitions() -> None:
    """Calls `state_transition_listeners` for each state entered and each retry of a state."""
    if not _once("count_state_transitions"):
        return
    from moto.stepfunctions.parser.asl.component.common.retry.retry_outcome import RetryOutcome
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
    from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager

    original_add_event = EventManager.add_event

    @functools.wraps(original_add_event)
    def add_event(self: EventManager, context: Any, event_type: Any, *args: Any, **kwargs: Any) -> int:
        if str(getattr(event_type, "value", event_type)).endswith("StateEntered"):
            _notify_transition()
        return original_add_event(self, context, event_type, *args, **kwargs)

    original_retry = ExecutionState._handle_retry

    @functools.wraps(original_retry)
    def _handle_retry(self: ExecutionState, *args: Any, **kwargs: Any) -> Any:
        outcome = original_retry(self, *args, **kwargs)
        if outcome == RetryOutcome.CanRetry:
            _notify_transition()
        return outcome

    EventManager.add_event = add_event  # type: ignore[method-assign]
    ExecutionState._handle_retry = _handle_retry  # type: ignore[method-assign]


# -- parsing once ---------------------------------------------------------------------------------
ASL_PROGRAMS_CACHED = 64
EXECUTION_STARTERS = 16
EXECUTION_START_DELAY_S = 0.005  # after StartExecution answered: the caller's answer goes back first
JSON_PATHS_CACHED = 4096


def _fix_heap_keys(component: Any, seen: set[int] | None = None) -> None:
    """Gives every component of a program its `heap_key` now: moto draws it lazily on first use,
    and two executions drawing it at once could each keep state (a retry's attempt count, say)
    under a different key."""
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent

    seen = set() if seen is None else seen
    if id(component) in seen:
        return
    seen.add(id(component))
    if isinstance(component, EvalComponent):
        _ = component.heap_key
    values = component.values() if isinstance(component, dict) else component
    if isinstance(values, list | tuple | set | frozenset) or isinstance(component, dict):
        for value in values:
            _fix_heap_keys(value, seen)
    elif hasattr(component, "__dict__") and type(component).__module__.startswith("moto.stepfunctions"):
        for value in vars(component).values():
            _fix_heap_keys(value, seen)


def parse_state_machines_once() -> None:
    """moto parses the state machine's definition with ANTLR and builds its program (the tree of
    evaluation components) again for every execution it starts: tens of milliseconds of pure
    Python each, most of the local stack's CPU under load. Both depend on the definition text
    alone, and the components keep no execution's state (that lives in the execution's
    environment, keyed by each component's `heap_key`; Map iterations already evaluate one
    program from many threads at once), so the program is built once per definition. A `Pass`
    state's literal `Result` is handed out as a copy, so no execution can change another's."""
    if not _once("parse_state_machines_once"):
        return
    import copy

    from moto.stepfunctions.parser.asl.component.state.state_pass.result import Result
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    @functools.lru_cache(maxsize=ASL_PROGRAMS_CACHED)
    def program_of(definition: str) -> Any:
        program = AmazonStateLanguageParser.parse(definition)[0]  # raises on a syntax error, as before
        _fix_heap_keys(program)
        return program

    def entrypoint(self: ExecutionWorker) -> Any:
        return program_of(self._evaluation_details.state_machine_details.definition)

    def result_copy(self: Result, env: Any) -> None:
        env.stack.append(copy.deepcopy(self.result_obj))

    ExecutionWorker._get_evaluation_entrypoint = entrypoint  # type: ignore[method-assign]
    Result._eval_body = result_copy  # type: ignore[method-assign]


_ATOMIC = (str, int, float, bool, type(None))


def json_copy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """A deep copy of a JSON value (dicts, lists, strings, numbers, booleans, None) built directly;
    anything else inside it goes to `copy.deepcopy`, through one memo for the whole copy (so what
    those parts share stays shared). JSON values hold no cycles."""
    kind = value.__class__
    if kind is dict:
        if memo is None:
            memo = {}
        return {key: json_copy(item, memo) for key, item in value.items()}
    if kind is list:
        if memo is None:
            memo = {}
        return [json_copy(item, memo) for item in value]
    if kind in _ATOMIC:
        return value
    import copy

    return copy.deepcopy(value, memo)


def _copy_module_with(deepcopy: Callable[..., Any]) -> Any:
    """What a moto module's `copy` becomes: the standard module with its own `deepcopy`."""
    import copy
    from types import SimpleNamespace

    return SimpleNamespace(deepcopy=deepcopy, copy=copy.copy)


def copy_state_data_as_json() -> None:
    """The interpreter deep-copies a state's input, result and error output every time one is read
    or set, and its stack for every task (a REST hold's execution: some 25 copies), with
    `copy.deepcopy`, which walks a JSON document through its generic memo and reduce protocol at
    about three times the cost of building the copy directly. Those modules' `copy` is now a
    stand-in whose `deepcopy` builds JSON values directly and hands anything else on."""
    if not _once("copy_state_data_as_json"):
        return
    import copy as copy_module
    import importlib

    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        return json_copy(value) if memo is None else copy_module.deepcopy(value, memo)

    stand_in = _copy_module_with(deepcopy)
    for name in (
        "moto.stepfunctions.parser.asl.eval.states",
        "moto.stepfunctions.parser.asl.component.state.exec.execute_state",
    ):
        module = importlib.import_module(name)
        if getattr(module, "copy", None) is copy_module:
            module.copy = stand_in  # type: ignore[attr-defined]


def compile_json_paths_once() -> None:
    """moto compiles every JSONPath (`$.hold.timer.hold_seconds`, ...) again each time a state reads
    or writes one, and jsonpath-ng builds a new yacc parser for each compilation. A compiled path
    depends on its text alone and finding matches does not change it, so it is kept per text."""
    if not _once("compile_json_paths_once"):
        return
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    json_path.parse = functools.lru_cache(maxsize=JSON_PATHS_CACHED)(json_path.parse)
    result_path.parse = functools.lru_cache(maxsize=JSON_PATHS_CACHED)(result_path.parse)


def start_executions_in_the_background() -> None:
    """moto's StartExecution starts the execution's thread before it answers, and `Thread.start`
    waits until the new thread has run: under load, until every other runnable thread has had the
    GIL in turn (tens of milliseconds, most of a REST reservation's time). AWS answers
    StartExecution before the first state runs, and the execution begins some milliseconds later;
    here starter threads start the executions' threads in order, each EXECUTION_START_DELAY_S after
    its StartExecution answered. At once, its first states took the stack's one interpreter from the
    request that started it, still on its way back (the caller's answer, a sandbox's reply, the
    gateway's): a quiet REST hold's reply waited about a millisecond on them in the stack."""
    if not _once("start_executions_in_the_background"):
        return
    import queue

    from moto.stepfunctions.parser.backend import execution_worker
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    pending: queue.SimpleQueue[tuple[float, threading.Thread]] = queue.SimpleQueue()

    def starter() -> None:
        while True:
            due, thread = pending.get()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            thread.start()

    # Several starters: each start still waits for its thread to run, and a burst of holds must
    # not queue behind one (an execution started late arms a shorter timer, but late).
    for number in range(EXECUTION_STARTERS):
        threading.Thread(target=starter, name=f"moto-execution-starter-{number}", daemon=True).start()

    def start(self: ExecutionWorker) -> None:
        thread = threading.Thread(target=self._execution_logic, daemon=True)
        execution_worker.TMP_THREADS.append(thread)
        pending.put((time.monotonic() + EXECUTION_START_DELAY_S, thread))

    ExecutionWorker.start = start  # type: ignore[method-assign]


def pass_task_failure_cause() -> None:
    """moto's SendTaskFailure response handler drops `cause` (its executor supports it): pass it on,
    as AWS does (the reservation workflow carries the new timer of an extension in it)."""
    if not _once("pass_task_failure_cause"):
        return
    from moto.core.responses import ActionResult, EmptyResult
    from moto.stepfunctions.responses import StepFunctionResponse

    def send_task_failure(self: StepFunctionResponse) -> ActionResult:
        backend: Any = self.stepfunction_backend
        error, cause = self._get_param("error"), self._get_param("cause")
        try:
            backend.send_task_failure(self._get_param("taskToken"), error=error, cause=cause)
        except TypeError:  # the non-executing backend takes no cause
            backend.send_task_failure(self._get_param("taskToken"), error=error)
        return EmptyResult()

    StepFunctionResponse.send_task_failure = send_task_failure  # type: ignore[method-assign]


def evaluate_choice_variables_quietly() -> None:
    """A Choice rule's `Variable` that is absent is an answer, not an error (`IsPresent: false`), and
    moto's Variable treats it so; but it evaluates the path through the component's logging wrapper,
    which logs an ERROR with the whole component's repr first. Evaluate the path itself (the same
    value, or the same NoSuchVariable), without that log line on every such Choice."""
    if not _once("evaluate_choice_variables_quietly"):
        return
    from moto.stepfunctions.parser.asl.component.state.choice.comparison.variable import (
        NoSuchVariable,
        Variable,
    )

    def _eval_body(self: Any, env: Any) -> None:
        try:
            self.string_sampler._eval_body(env)
            value = env.stack.pop()
        except Exception as ex:
            value = NoSuchVariable(f"{self.string_sampler.literal_value}, {ex}")
        env.stack.append(value)

    Variable._eval_body = _eval_body  # type: ignore[method-assign]


# -- SQS ------------------------------------------------------------------------------------------
class QueueAttributes(Mapping[str, Any]):
    """`Queue.attributes` computed key by key. moto builds the whole dict, counting every message
    in the queue three times (visible, delayed, in flight), whenever any one attribute is read;
    each SendMessage reads `ContentBasedDeduplication`, so sending cost grew with the queue (an
    order-events queue no one reads locally holds every event of the run)."""

    __slots__ = ("_names", "_queue")

    def __init__(self, queue: Any) -> None:
        self._queue = queue
        names = list(queue.BASE_ATTRIBUTES)
        if queue.fifo_queue:
            names += queue.FIFO_ATTRIBUTES
        if queue.kms_master_key_id:
            names += queue.KMS_ATTRIBUTES
        self._names = names

    def __getitem__(self, name: str) -> Any:
        if name not in self._names:
            raise KeyError(name)
        queue = self._queue
        if name == "Policy" and queue.policy:
            return queue.policy
        if name == "RedrivePolicy" and queue.redrive_policy:
            return json.dumps(queue.redrive_policy)
        from moto.core.utils import camelcase_to_underscores

        value = getattr(queue, camelcase_to_underscores(name))
        return str(value).lower() if isinstance(value, bool) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def compute_queue_attributes_on_demand() -> None:
    if not _once("compute_queue_attributes_on_demand"):
        return
    from moto.sqs.models import Queue

    Queue.attributes = property(QueueAttributes)  # type: ignore[assignment,method-assign]


# -- JSON responses -------------------------------------------------------------------------------
# Operations whose results moto builds in wire form already (attribute values, stream records,
# an execution's ARN and start date): their bodies are encoded directly.
DIRECT_JSON_OPERATIONS = {
    "dynamodb": frozenset(
        {
            "BatchGetItem",
            "BatchWriteItem",
            "DeleteItem",
            "GetItem",
            "PutItem",
            "Query",
            "Scan",
            "TransactGetItems",
            "TransactWriteItems",
            "UpdateItem",
        }
    ),
    "dynamodbstreams": frozenset({"GetRecords"}),
    "stepfunctions": frozenset({"StartExecution"}),
}


class _NotPlainJson(TypeError):
    pass


def _wire_value(value: Any) -> Any:
    """A blob or a timestamp as the JSON protocol writes it (base64; epoch seconds, to the ms)."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime.datetime):
        from moto.core.serialize import TimestampSerializer

        return TimestampSerializer._timestamp_unixtimestamp(value)
    raise _NotPlainJson(type(value).__name__)


def plain_json_body(result: Any, operation: Any) -> str | None:
    """The JSON protocol's body for such a result, or None when it holds anything but JSON values,
    blobs and timestamps (then moto's serializer must run). Top-level keys outside the output
    shape (moto adds a legacy `ConsumedCapacityUnits`) are dropped, as the serializer drops them."""
    if not isinstance(result, dict) or operation.output_shape is None:
        return None
    members = operation.output_shape.members
    body = {key: value for key, value in result.items() if key in members and value is not None}
    try:
        return json.dumps(body, default=_wire_value)
    except _NotPlainJson:
        return None


def encode_plain_results_directly() -> None:
    """moto 5 answers through a generic, model-driven serializer that walks every value of a result
    against its botocore shape: for item reads and writes, stream records and execution starts, a
    sixth of the local endpoint's CPU under reservation load. Those results are encoded directly;
    every other result still takes the serializer."""
    if not _once("encode_plain_results_directly"):
        return
    from moto.core.responses import ActionResult

    original = ActionResult.execute_result

    @functools.wraps(original)
    def execute_result(self: ActionResult, context: Any) -> Any:
        operation = context.operation_model
        service = context.service_model.service_name
        if type(self).execute_result is execute_result and operation.name in DIRECT_JSON_OPERATIONS.get(
            service, ()
        ):
            body = plain_json_body(self.result, operation)
            if body is not None:
                version = context.service_model.metadata.get("jsonVersion", "1.0")
                return 200, {"Content-Type": f"application/x-amz-json-{version}"}, body
        return original(self, context)

    ActionResult.execute_result = execute_result  # type: ignore[method-assign]


# DynamoDB JSON that botocore's model-driven parse would change: blobs (base64 -> bytes) and nulls
# (dropped). A body holding either, even inside a string, takes moto's parser.
_NOT_PLAIN_REQUEST = (b'"B"', b'"BS"', b"null")


def plain_json_params(operation: Any, body: bytes) -> dict[str, Any] | None:
    """What moto's JSON parser makes of an item operation's body, read by `json.loads` alone, or
    None when the body holds what the parser would convert. The input shapes of these operations
    hold no timestamps or floats, and boto3 sends only modeled members; top-level keys outside the
    input shape are dropped, as the parser drops them."""
    if not body or any(marker in body for marker in _NOT_PLAIN_REQUEST):
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    if not isinstance(parsed, dict) or operation.input_shape is None:
        return None
    members = operation.input_shape.members
    return {key: value for key, value in parsed.items() if key in members}


def parse_plain_item_requests_directly() -> None:
    """moto 5 parses every request body by walking it against its botocore shape, node by node; for
    the item operations of the reservation path that walk was a sizeable part of each DynamoDB
    call, and turns plain JSON into the same plain JSON. Those bodies are read directly; any other
    request, or a body with blobs or nulls, still takes moto's parser."""
    if not _once("parse_plain_item_requests_directly"):
        return
    from moto.core.utils import get_service_model
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.parse_parameters
    operations = DIRECT_JSON_OPERATIONS["dynamodb"]

    @functools.wraps(original)
    def parse_parameters(self: DynamoHandler, request: Any) -> None:
        action = self._get_action()
        if action in operations:
            operation = get_service_model(self.boto3_service_name).operation_model(action)
            params = plain_json_params(operation, request.data)
            if params is not None:
                self.params = params
                return
        original(self, request)

    DynamoHandler.parse_parameters = parse_parameters  # type: ignore[method-assign,assignment]


def list_handler_methods_once() -> None:
    """A response class's methods are fixed once moto (and these fixes) are imported."""
    if not _once("list_handler_methods_once"):
        return
    from moto.core import responses, utils

    listed = functools.lru_cache(maxsize=None)(utils.method_names_from_class)
    responses.method_names_from_class = listed


def check_update_clauses_at_the_root() -> None:
    """Every node's clauses are a subset of the root's, and both checks only find more with more
    clauses: a root that passes means every node passes, so one check replaces the walk. A root
    that fails is walked as before, so the error (and which paths it names) is moto's own."""
    if not _once("check_update_clauses_at_the_root"):
        return
    from moto.dynamodb.parsing.ast_nodes import UpdateExpression  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.validators import ActionCountValidator, OverlappingPathsValidator

    def at_the_root(cls: Any, check: str) -> None:
        walk_every_node = cls.traverse

        def traverse(self: Any, node: Any) -> Any:
            if isinstance(node, UpdateExpression):
                try:
                    getattr(self, check)(node)
                except Exception:  # the walk raises what moto raises here
                    return walk_every_node(self, node)
                return node
            return walk_every_node(self, node)

        traverse.walk_every_node = walk_every_node  # type: ignore[attr-defined]
        cls.traverse = traverse

    at_the_root(ActionCountValidator, "verify_action_counts")
    at_the_root(OverlappingPathsValidator, "check_for_overlapping_paths")


PARSED_UPDATE_EXPRESSIONS = 512  # distinct expressions kept; an application uses a few dozen


def parse_update_expressions_once() -> None:
    """Safe to share: the request handler only reads the tree (the placeholders it names), and the
    backend's `UpdateExpressionValidator` deep-copies it before resolving anything into it. A parse
    error is raised again for every request (exceptions are not cached)."""
    if not _once("parse_update_expressions_once"):
        return
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    parse = UpdateExpressionParser.make

    @functools.lru_cache(maxsize=PARSED_UPDATE_EXPRESSIONS)
    def make(expression: str) -> Any:
        return parse(expression)

    UpdateExpressionParser.make = staticmethod(make)


# What `UpdateItem` answers from the item as it was before the update.
_ANSWERED_FROM_THE_OLD_ITEM = frozenset({"ALL_OLD", "UPDATED_OLD", "UPDATED_NEW"})


def copy_old_items_only_when_answered() -> None:
    """moto's `UpdateItem` handler deep-copies the item it is about to update, and encodes the copy,
    on every call, only to answer `ALL_OLD`, `UPDATED_OLD` or `UPDATED_NEW` (the backend keeps its
    own copy for the stream). An update answering `NONE` or `ALL_NEW`, as most do, skips both: the
    handler sees no old item, which only those three read. That copy is the handler module's one
    `copy.deepcopy`; it now goes through a stand-in that knows what the current request answers."""
    if not _once("copy_old_items_only_when_answered"):
        return
    import copy

    from moto.dynamodb import responses

    skipping = threading.local()

    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        return None if getattr(skipping, "now", False) else copy.deepcopy(value, memo)

    responses.copy = _copy_module_with(deepcopy)
    original = responses.DynamoHandler.update_item

    @functools.wraps(original)
    def update_item(self: Any) -> Any:
        skipping.now = self.body.get("ReturnValues", "NONE") not in _ANSWERED_FROM_THE_OLD_ITEM
        try:
            return original(self)
        finally:
            skipping.now = False

    responses.DynamoHandler.update_item = update_item  # type: ignore[method-assign]


def copy_expression_trees_structurally() -> None:
    """A node holds its type name, its parent and its children (nodes, names, literals): each is
    copied through the same memo, so parents point into the copy and shared objects stay shared."""
    if not _once("copy_expression_trees_structurally"):
        return
    import copy

    from moto.dynamodb.parsing.ast_nodes import Node  # type: ignore[attr-defined]

    deepcopy = copy.deepcopy

    def node_deepcopy(self: Any, memo: dict[int, Any]) -> Any:
        new = object.__new__(type(self))
        memo[id(self)] = new
        for name, value in self.__dict__.items():
            if name == "children" and type(value) is list:
                value = [child if type(child) in _ATOMIC else deepcopy(child, memo) for child in value]
            elif type(value) not in _ATOMIC:
                value = deepcopy(value, memo)
            new.__dict__[name] = value
        return new

    Node.__deepcopy__ = node_deepcopy


_partition = threading.local()  # the (table, hash key) a base-table Query on this thread reads


def query_one_partition() -> None:
    """moto's `Table.query` takes `all_items()` and keeps those whose hash key is the one asked for.
    While a query on the table's own key (no index) runs, `all_items()` of that table answers that
    partition only, in the same order (by range key, as the whole-table list is sorted); the query
    still checks every hash key itself. Index queries keep reading the whole table."""
    if not _once("query_one_partition"):
        return
    from moto.dynamodb.models.table import Table

    query, all_items = Table.query, Table.all_items

    @functools.wraps(all_items)
    def partition_items(self: Table) -> list[Any]:
        reading = getattr(_partition, "reading", None)
        if reading is None or reading[0] is not self:
            return partition_items.whole_table(self)  # type: ignore[attr-defined]
        bucket = self.items.get(reading[1])  # .get: `items` is a defaultdict, a lookup would add
        if bucket is None:
            return []
        if not self.range_key_attr:
            return [bucket]
        return sorted(bucket.values(), key=lambda item: item.range_key)

    @functools.wraps(query)
    def query_partition(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name or hash_key is None:
            return query(self, hash_key, *args, **kwargs)
        outer = getattr(_partition, "reading", None)
        _partition.reading = (self, hash_key)
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _partition.reading = outer

    Table.all_items = partition_items  # type: ignore[method-assign]
    Table.query = query_partition  # type: ignore[method-assign]
    partition_items.whole_table = all_items  # type: ignore[attr-defined]
    query_partition.whole_table = query  # type: ignore[attr-defined]


# -- index queries -------------------------------------------------------------------------------
_index_reading = threading.local()  # the items an index Query on this thread may match


class IndexPartitions:
    """One index's items by the values of its hash key attributes, kept in step with the table.

    `candidates(values)` is a superset of the items a query with those hash key values can match
    (exactly the items carrying them); the query's own checks still run on each."""

    def __init__(self, attributes: tuple[str, ...]) -> None:
        self.attributes = attributes
        self._buckets: dict[tuple[Any, ...], dict[tuple[Any, Any], Any]] = {}
        self._placed: dict[tuple[Any, Any], tuple[Any, ...]] = {}

    def place(self, key: tuple[Any, Any], item: Any) -> None:
        """Files the item now stored under a primary key (None: the key holds nothing)."""
        before = self._placed.pop(key, None)
        if before is not None:
            bucket = self._buckets[before]
            bucket.pop(key, None)
            if not bucket:
                del self._buckets[before]
        if item is None:
            return
        values = tuple(item.attrs.get(name) for name in self.attributes)
        if any(value is None for value in values):
            return  # not in the index
        self._buckets.setdefault(values, {})[key] = item
        self._placed[key] = values

    def candidates(self, values: tuple[Any, ...]) -> list[Any]:
        return list(self._buckets.get(values, {}).values())


def _index_hash_attributes(table: Any, index_name: str) -> tuple[str, ...] | None:
    for index in table.all_indexes():
        if index.name == index_name:
            return tuple(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
    return None


def refile_key(table: Any, hash_value: Any, range_value: Any) -> None:
    """After a write under this primary key: every kept index files what the key now holds."""
    partitions: dict[str, IndexPartitions] | None = getattr(table, "_index_partitions", None)
    if not partitions:
        return
    key = (hash_value, range_value if table.range_key_attr is not None else None)
    stored = _stored_at(table, hash_value, range_value)
    for index in partitions.values():
        index.place(key, stored)


def _partitions_of(table: Any, index_name: str, attributes: tuple[str, ...]) -> IndexPartitions:
    partitions: dict[str, IndexPartitions] = table.__dict__.setdefault("_index_partitions", {})
    index = partitions.get(index_name)
    if index is None or index.attributes != attributes:
        index = IndexPartitions(attributes)
        from moto.dynamodb.models.dynamo_type import Item

        for item in _whole_table(table):
            if isinstance(item, Item):
                index.place((item.hash_key, item.range_key), item)
        partitions[index_name] = index
    return index


def _whole_table(table: Any) -> list[Any]:
    all_items = type(table).all_items
    return list(getattr(all_items, "whole_table", all_items)(table))


def query_index_partitions() -> None:
    """An index `Query` lists the items under its hash key only (see `IndexPartitions`), not every
    item of the table. An index's partitions are built at its first query and then kept by every
    path that stores, replaces, changes or removes an item: `Table.put_item` and `delete_item`
    (PutItem, DeleteItem, batches, transactions, PartiQL, imports), the backend's `update_item`
    (which changes the stored item in place) and the transaction undo of
    `roll_back_only_touched_items`. A query whose hash conditions do not name exactly the index's
    hash attributes reads the whole table, as before."""
    if not _once("query_index_partitions"):
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    query, all_items = Table.query, Table.all_items
    put_item, delete_item, update_item = Table.put_item, Table.delete_item, DynamoDBBackend.update_item

    @functools.wraps(all_items)
    def index_items(self: Table) -> list[Any]:
        reading = getattr(_index_reading, "items", None)
        if reading is None or reading[0] is not self:
            return all_items(self)
        return reading[1]

    @functools.wraps(query)
    def query_index(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        conditions = dict(kwargs.get("hash_key_conditions") or ())
        attributes = _index_hash_attributes(self, index_name) if index_name else None
        if not index_name or not attributes or set(conditions) != set(attributes):
            return query(self, hash_key, *args, **kwargs)
        index = _partitions_of(self, index_name, attributes)
        outer = getattr(_index_reading, "items", None)
        _index_reading.items = (self, index.candidates(tuple(conditions[name] for name in attributes)))
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _index_reading.items = outer

    @functools.wraps(put_item)
    def put_and_refile(self: Table, *args: Any, **kwargs: Any) -> Any:
        item = put_item(self, *args, **kwargs)
        refile_key(self, item.hash_key, item.range_key)
        return item

    @functools.wraps(delete_item)
    def delete_and_refile(
        self: Table, hash_key: Any, range_key: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        try:
            return delete_item(self, hash_key, range_key, *args, **kwargs)
        finally:
            refile_key(self, hash_key, range_key)

    @functools.wraps(update_item)
    def update_and_refile(
        self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        try:
            return update_item(self, table_name, key, *args, **kwargs)
        finally:
            try:
                table = self.get_table(table_name)
            except Exception:  # the update itself has reported an unknown table
                table = None
            if table is not None and getattr(table, "_index_partitions", None):
                try:
                    refile_key(table, *typed_key(table, key))
                except (KeyError, TypeError, AttributeError):
                    pass  # a key moto refused: nothing was written under it

    Table.all_items = index_items  # type: ignore[method-assign]
    Table.query = query_index  # type: ignore[method-assign]
    Table.put_item = put_and_refile  # type: ignore[method-assign]
    Table.delete_item = delete_and_refile  # type: ignore[method-assign]
    DynamoDBBackend.update_item = update_and_refile  # type: ignore[method-assign]
    index_items.whole_table = all_items  # type: ignore[attr-defined]


def dispatch_expression_nodes_by_class() -> None:
    """`DepthFirstTraverser` asks `_processing_map()` (a new dict of bound methods) twice per node:
    for the classes to process and, for a match, for the first processor whose class the node is an
    instance of. Which processor that is depends only on the walker's class and the node's, so the
    answer is kept per pair (as the walker's own method, called on the walker): the same processor,
    in the same bottom-up order. A map whose processors are not the walker's own methods is asked
    at every node, as before."""
    if not _once("dispatch_expression_nodes_by_class"):
        return
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node  # type: ignore[attr-defined]

    by_walker: dict[type, dict[type, Any]] = {}
    is_node: dict[type, bool] = {}
    hooked: dict[type, bool] = {}  # walkers with their own pre_processing_of_child
    asked_every_time = object()

    def processor_for(walker: Any, known: dict[type, Any], cls: type) -> Any:
        chosen = next((f for key, f in walker._processing_map().items() if issubclass(cls, key)), None)
        own = getattr(chosen, "__self__", None) is walker
        known[cls] = chosen.__func__ if own else asked_every_time if chosen else None  # type: ignore[union-attr]
        return known[cls]

    def traverse_node_recursively(self: Any, node: Any, child_id: int = -1) -> Any:
        cls = type(node)
        node_class = is_node.get(cls)
        if node_class is None:
            node_class = is_node[cls] = issubclass(cls, Node)
        if not node_class:
            return node
        walker = type(self)
        known = by_walker.get(walker)
        if known is None:
            known = by_walker[walker] = {}
            hooked[walker] = walker.pre_processing_of_child is not DepthFirstTraverser.pre_processing_of_child
        parent_node = node.parent
        children = node.children
        if children is not None:
            hook = hooked[walker]
            for i, child_node in enumerate(children):
                if hook:
                    self.pre_processing_of_child(node, i)
                if is_node.get(type(child_node), True):  # a name or a literal has nothing to walk
                    self.traverse_node_recursively(child_node, i)
        process = known.get(cls, known)
        if process is known:
            process = processor_for(self, known, cls)
        if process is None:
            return node
        if process is asked_every_time:
            node = next(f for key, f in self._processing_map().items() if issubclass(cls, key))(node)
        else:
            node = process(self, node)
        node.parent = parent_node
        if parent_node:
            parent_node.children[child_id] = node
        return node

    traverse_node_recursively.by_map = DepthFirstTraverser.traverse_node_recursively  # type: ignore[attr-defined]
    DepthFirstTraverser.traverse_node_recursively = traverse_node_recursively


LEXED_CONDITIONS = 512  # distinct condition expressions kept; an application uses a few dozen


def lex_condition_expressions_once() -> None:
    """Tokens depend on the expression string alone (names and values are resolved after). Each
    parse gets its own deque of fresh tokens, as the parser consumes it; a lexing error is raised
    again for every request (exceptions are not cached)."""
    if not _once("lex_condition_expressions_once"):
        return
    from collections import deque

    from moto.dynamodb.comparisons import ConditionExpressionParser

    lex = ConditionExpressionParser._lex_condition_expression

    @functools.lru_cache(maxsize=LEXED_CONDITIONS)
    def tokens(expression: str) -> tuple[Any, ...]:
        probe = ConditionExpressionParser.__new__(ConditionExpressionParser)
        probe.condition_expression = expression
        return tuple(lex(probe))

    def lex_once(self: Any) -> Any:
        return deque(
            token._replace(children=list(token.children)) for token in tokens(self.condition_expression)
        )

    lex_once.tokens = tokens  # type: ignore[attr-defined]
    lex_once.lex_every_time = lex  # type: ignore[attr-defined]
    ConditionExpressionParser._lex_condition_expression = lex_once  # type: ignore[method-assign]


PARSED_CONDITIONS = 1024  # trees kept; a condition comparing with the time makes one per request


def parse_condition_expressions_once() -> None:
    """A condition's tree depends on its text and on the names and values it refers to alone, and
    evaluating it only reads the item. The tree and the placeholders the parser found (which the
    request handler checks against those the request defines) are kept per expression and the
    names and values whose placeholders occur in it; the tree is parsed from a copy of those, so it
    holds none of a request's objects. A parse error is raised again for every request (exceptions
    are not cached)."""
    if not _once("parse_condition_expressions_once"):
        return
    import copy
    from collections import OrderedDict

    from moto.dynamodb.comparisons import ConditionExpressionParser

    parse = ConditionExpressionParser.parse
    trees: OrderedDict[str, tuple[Any, list[str], list[str]]] = OrderedDict()
    lock = threading.Lock()

    def referenced(placeholders: dict[str, Any] | None, expression: str) -> list[tuple[str, Any]]:
        # Every placeholder the parser can resolve occurs in the text; one that merely contains
        # another's name only makes the key longer. None and {} parse alike where a parse succeeds
        # (the request handler passes {} where the backend passes None).
        found = ((k, v) for k, v in (placeholders or {}).items() if k in expression)
        return sorted(found, key=lambda kv: kv[0])

    def parse_once(self: Any) -> Any:
        expression = self.condition_expression
        if not expression:
            return parse(self)
        names, values = self.expression_attribute_names, self.expression_attribute_values
        key = repr((expression, referenced(names, expression), referenced(values, expression)))
        with lock:
            kept = trees.get(key)
            if kept is not None:
                trees.move_to_end(key)
        if kept is None:
            own = ConditionExpressionParser(expression, copy.deepcopy(names), copy.deepcopy(values))
            kept = (parse(own), own.expr_attr_names_found, own.expr_attr_values_found)
            with lock:
                trees[key] = kept
                if len(trees) > PARSED_CONDITIONS:
                    trees.popitem(last=False)
        tree, names_found, values_found = kept
        self.expr_attr_names_found = list(names_found)
        self.expr_attr_values_found = list(values_found)
        return tree

    parse_once.trees = trees  # type: ignore[attr-defined]
    ConditionExpressionParser.parse = parse_once  # type: ignore[method-assign]


ITEM_SIZE_LIMIT = 405_000  # moto's own limit (AWS documents 400 KB; it measured 409-410 KB)


def size_new_items_once() -> None:
    """Each check summed the attributes so far plus the new one, and sizes only grow: the last
    check is the strictest, so checking the whole item once decides the same."""
    if not _once("size_new_items_once"):
        return
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    def item_init(self: Item, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        typed = LimitedSizeDict.__new__(LimitedSizeDict)
        size = 0
        for key, value in attrs.items():
            dynamo = DynamoType(value)
            size += bytesize(key) + dynamo.size()
            dict.__setitem__(typed, key, dynamo)
        if size > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        self.attrs = typed

    item_init.attribute_by_attribute = Item.__init__  # type: ignore[attr-defined]
    Item.__init__ = item_init  # type: ignore[method-assign]


_updating = threading.local()  # the attribute sizes of the items the running update sets


def size_updated_items_once() -> None:
    """While an `UpdateExpressionExecutor` runs, an item's attribute sizes are kept from its first
    attribute set on, so each later set sizes only the new value; the check is moto's (everything
    the item holds plus the new value, the replaced one included). An attribute the update removed
    or added by another way is sized anew; a nested value the update changed in place earlier
    (`SET a.b`) counts at its size when first sized. Outside an update, every set checks as before."""
    if not _once("size_updated_items_once"):
        return
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize
    from moto.dynamodb.parsing.executors import UpdateExpressionExecutor

    checked_set, execute = LimitedSizeDict.__setitem__, UpdateExpressionExecutor.execute

    def sized(value: Any) -> int:
        return value.size() if type(value) is DynamoType else bytesize(str(value))

    def set_attribute(self: LimitedSizeDict, key: str, value: Any) -> None:
        tally: dict[int, dict[str, int]] | None = getattr(_updating, "tally", None)
        if tally is None:
            checked_set(self, key, value)
            return
        sizes = tally.setdefault(id(self), {})
        for name, held in self.items():
            if name not in sizes:
                sizes[name] = bytesize(str(name)) + sized(held)
        new = bytesize(str(key)) + sized(value)
        if sum(sizes[name] for name in self) + new > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        dict.__setitem__(self, key, value)
        sizes[key] = new

    def execute_keeping_sizes(self: UpdateExpressionExecutor, node: Any = None) -> None:
        outermost = getattr(_updating, "tally", None) is None
        if outermost:
            _updating.tally = {}
        try:
            execute(self, node)
        finally:
            if outermost:
                _updating.tally = None

    LimitedSizeDict.__setitem__ = set_attribute  # type: ignore[method-assign]
    UpdateExpressionExecutor.execute = execute_keeping_sizes  # type: ignore[method-assign]


_expression_kind = threading.local()  # the parameter being parsed: FilterExpression in a query or scan


def _undefined(placeholder: str) -> str:
    """DynamoDB's words for a `#name` or `:value` placeholder the request does not define."""
    if placeholder.startswith("#"):
        return (
            "An expression attribute name used in the document path is not defined; "
            f"attribute name: {placeholder}"
        )
    return f"An expression attribute value used in expression is not defined; attribute value: {placeholder}"


def refuse_unparsable_expressions() -> None:
    """moto's condition parser raises a bare `ValueError` for an expression it cannot parse
    (`k = = :v`, an unmatched parenthesis, a dangling `AND`) and a `KeyError` for a placeholder
    the request does not define: an HTTP 500 in server mode, which botocore retries for half a
    minute. DynamoDB answers a `ValidationException` naming the parameter, and refuses an empty
    expression the same way (moto already does so for an empty filter). The parser's own reason
    is kept; in a query or scan the parameter is `FilterExpression`."""
    if not _once("refuse_unparsable_expressions"):
        return
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.exceptions import MockValidationException
    from moto.dynamodb.responses import DynamoHandler

    parse = ConditionExpressionParser.parse

    @functools.wraps(parse)
    def parse_or_refuse(self: Any) -> Any:
        kind = getattr(_expression_kind, "name", None) or "ConditionExpression"
        if self.condition_expression == "":
            raise MockValidationException(f"Invalid {kind}: The expression can not be empty;")
        try:
            return parse(self)
        except ValueError as error:
            raise MockValidationException(f"Invalid {kind}: Syntax error; {error}") from error
        except KeyError as error:  # a placeholder the request does not define
            raise MockValidationException(f"Invalid {kind}: {_undefined(str(error.args[0]))}") from error

    def filtering(read: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(read)
        def with_filter(self: Any) -> Any:
            outer = getattr(_expression_kind, "name", None)
            _expression_kind.name = "FilterExpression"
            try:
                return read(self)
            finally:
                _expression_kind.name = outer

        return with_filter

    parse_or_refuse.unchecked = parse  # type: ignore[attr-defined]
    ConditionExpressionParser.parse = parse_or_refuse  # type: ignore[method-assign]
    DynamoHandler.query = filtering(DynamoHandler.query)  # type: ignore[method-assign]
    DynamoHandler.scan = filtering(DynamoHandler.scan)  # type: ignore[method-assign]


_KEY_TYPES = frozenset({"S", "N", "B"})


def _declared_types(table: Any) -> dict[str, str]:
    return {a["AttributeName"]: a["AttributeType"] for a in table.attr or ()}


def _wrong_type(value: Any, declared: str | None) -> bool:
    """Not one typed scalar (`{"S": ...}`, `{"N": ...}`, `{"B": ...}`) of the declared type."""
    kinds = list(value) if isinstance(value, dict) else []
    return len(kinds) != 1 or kinds[0] not in _KEY_TYPES or kinds[0] != (declared or kinds[0])


def mistyped_key_attributes(table: Any, key: dict[str, Any]) -> list[str]:
    """The key attributes of `key` (DynamoDB JSON) whose value is not one scalar of the type the
    table declares: `{"M": ...}` or `{"N": "1"}` for an `S` key, or not a typed value at all."""
    schema = [(table.hash_key_attr, table.hash_key_type)]
    if table.range_key_attr:
        schema.append((table.range_key_attr, table.range_key_type))
    # a missing key attribute is moto's own check
    return [name for name, declared in schema if name in key and _wrong_type(key[name], declared)]


def refuse_mistyped_keys() -> None:
    """A key attribute given as the wrong type (a map, a list, or a number for a string key) went
    into moto's item lookup: a map or list is unhashable, so GetItem, UpdateItem, DeleteItem,
    BatchGetItem, TransactGetItems and Query answered an HTTP 500 (which botocore retries), a
    transaction was cancelled with a `TypeError` reason, and a number for a string key was looked
    up and not found. DynamoDB validates the key against the schema before anything else:
    `ValidationException: The provided key element does not match the schema`, and for a query
    `... Condition parameter type does not match schema type`. PutItem already checks its item."""
    if not _once("refuse_mistyped_keys"):
        return
    from moto.dynamodb.exceptions import MockValidationException, ProvidedKeyDoesNotExist
    from moto.dynamodb.models import DynamoDBBackend

    get_keys_value, update_item, query = (
        DynamoDBBackend.get_keys_value,
        DynamoDBBackend.update_item,
        DynamoDBBackend.query,
    )

    @functools.wraps(get_keys_value)
    def checked_keys_value(self: DynamoDBBackend, table: Any, keys: dict[str, Any]) -> Any:
        if mistyped_key_attributes(table, keys):
            raise ProvidedKeyDoesNotExist
        return get_keys_value(self, table, keys)

    @functools.wraps(update_item)
    def checked_update(
        self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        if isinstance(key, dict) and mistyped_key_attributes(self.get_table(table_name), key):
            raise ProvidedKeyDoesNotExist
        return update_item(self, table_name, key, *args, **kwargs)

    @functools.wraps(query)
    def checked_query(self: DynamoDBBackend, table_name: str, *args: Any, **kwargs: Any) -> Any:
        declared = _declared_types(self.get_table(table_name))
        conditions = [(name, [value]) for name, value in kwargs.get("hash_key_conditions") or ()]
        conditions += [(name, list(values)) for name, _op, values in kwargs.get("range_key_conditions") or ()]
        if any(_wrong_type(value, declared.get(name)) for name, values in conditions for value in values):
            raise MockValidationException(
                "One or more parameter values were invalid: "
                "Condition parameter type does not match schema type"
            )
        return query(self, table_name, *args, **kwargs)

    DynamoDBBackend.get_keys_value = checked_keys_value  # type: ignore[method-assign]
    DynamoDBBackend.update_item = checked_update  # type: ignore[method-assign]
    DynamoDBBackend.query = checked_query  # type: ignore[method-assign]
