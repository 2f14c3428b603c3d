// What an ApiError means for the person looking at the page, and what to do next. Pure (no DOM).

function fieldList(error) {
  const fields = Array.isArray(error.details?.fields) ? error.details.fields : [];
  return fields
    .map((f) => (f && f.field ? `${f.field}: ${f.problem || "is not valid"}` : ""))
    .filter(Boolean)
    .join("; ");
}

function retryHint(error) {
  const seconds = Number(error.details?.retry_after_seconds ?? error.details?.retry_after);
  return Number.isFinite(seconds) && seconds > 0 ? ` Try again in ${Math.ceil(seconds)} s.` : " Try again shortly.";
}

/**
 * A sentence for the admin panel: what went wrong and what to do.
 * @param {{status?: number, code?: string, message?: string, details?: object}} error  an ApiError
 * @param {{productId?: string, reservationId?: string}} [context]
 */
export function adminMessage(error, context = {}) {
  const { productId = "", reservationId = "" } = context;
  const status = error.status ? `, HTTP ${error.status}` : "";
  switch (error.code) {
    case "UNAUTHORIZED":
    case "HTTP_401":
      return "The admin key was not accepted (401). Enter it again above.";
    case "FORBIDDEN":
    case "HTTP_403": {
      const scope = error.details?.required_scope;
      return `This key may not do that (403)${scope ? `: it needs the ${scope} scope` : ""}. Enter an admin key above.`;
    }
    case "PRODUCT_NOT_FOUND":
      return `No stock records for product "${productId}".`;
    case "STOCK_RECORD_NOT_FOUND":
      return `Product "${productId}" has no stock record in that warehouse.`;
    case "RESERVATION_NOT_FOUND":
      return `Reservation "${reservationId}" does not exist (any more). Refresh the list.`;
    case "RESERVATION_CLOSED":
      return (
        `Reservation "${reservationId}" is already ${error.details?.status || "closed"}` +
        `${error.details?.reason ? ` (${error.details.reason})` : ""}: nothing to release. Refresh the list.`
      );
    case "VALIDATION_FAILED": {
      const fields = fieldList(error);
      return `Check the highlighted input: ${fields || error.message}.`;
    }
    case "SERVICE_BUSY":
    case "HTTP_429":
    case "HTTP_503":
      return `The service is busy (${error.status || 503}).${retryHint(error)}`;
    case "NETWORK_ERROR":
    case "TIMEOUT":
      return `${error.message}. Check your connection and try again.`;
    case "NOT_FOUND":
    case "HTTP_404":
      return "This operation is not available on this API yet (404).";
    default:
      if (error.status >= 500)
        return `The service failed (${error.code}${status}). Try again; if it persists, check its logs.`;
      return `${error.message} (${error.code}${status}).`;
  }
}

/**
 * A sentence for a shopper (the demo shop): never an error code, always a next step.
 * @param {{status?: number, code?: string, message?: string, details?: object}} error
 */
export function shopperMessage(error) {
  switch (error.code) {
    case "INSUFFICIENT_STOCK": {
      const lines = Array.isArray(error.details?.lines) ? error.details.lines : [];
      const available = lines.length ? lines[0].available : error.details?.available;
      if (Number.isInteger(available)) {
        return available > 0
          ? `Only ${available} left: lower the quantity and try again.`
          : "Sold out just now: someone else took the last one.";
      }
      return "Not enough stock left for that quantity: lower it and try again.";
    }
    case "RESERVATION_CLOSED":
      return "Your hold on these items has ended. Add them to the cart again.";
    case "RESERVATION_NOT_FOUND":
    case "CART_EMPTY":
      return "Your cart is empty. Add something first.";
    case "VALIDATION_FAILED":
      return "That quantity is not valid: use a whole number of 1 or more.";
    case "PRODUCT_NOT_FOUND":
    case "STOCK_RECORD_NOT_FOUND":
      return "This product is not sold here (any more).";
    case "SERVICE_BUSY":
    case "HTTP_429":
    case "HTTP_503":
      return "The shop is busy right now. Try again in a few seconds.";
    case "NETWORK_ERROR":
    case "TIMEOUT":
      return "The shop could not be reached. Check your connection and try again.";
    default:
      return "Something went wrong on our side. Try again in a moment.";
  }
}
