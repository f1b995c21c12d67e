import { useEffect, useState } from 'react'

/**
 * Screens are addressed by the URL's fragment (`#/claims/<id>`), so the gateway serves one page
 * at /console and needs no fallback route for the console's own paths.
 */
export type Route =
  | { screen: 'claims' }
  | { screen: 'claim'; id: string }
  | { screen: 'delivery' }
  | { screen: 'events' }
  /** `id: 'new'` is the editor for an event not created yet. */
  | { screen: 'event'; id: string }
  | { screen: 'stats'; id?: string }
  | { screen: 'players'; id?: string }
  | { screen: 'audit' }

const OBJECT_ID = '([0-9a-f]{24})'
const withId = (prefix: string) => new RegExp(`^/${prefix}/${OBJECT_ID}$`, 'i')

export function routeOf(hash: string): Route {
  const path = hash.replace(/^#/, '')
  const claim = withId('claims').exec(path)
  if (claim) return { screen: 'claim', id: claim[1]!.toLowerCase() }
  if (path === '/events/new') return { screen: 'event', id: 'new' }
  const event = withId('events').exec(path)
  if (event) return { screen: 'event', id: event[1]!.toLowerCase() }
  const stats = withId('stats').exec(path)
  if (stats) return { screen: 'stats', id: stats[1]!.toLowerCase() }
  const player = withId('players').exec(path)
  if (player) return { screen: 'players', id: player[1]!.toLowerCase() }
  switch (path) {
    case '/delivery':
      return { screen: 'delivery' }
    case '/events':
      return { screen: 'events' }
    case '/stats':
      return { screen: 'stats' }
    case '/players':
      return { screen: 'players' }
    case '/audit':
      return { screen: 'audit' }
    default:
      return { screen: 'claims' }
  }
}

export function hrefOf(route: Route): string {
  switch (route.screen) {
    case 'claim':
      return `#/claims/${route.id}`
    case 'event':
      return `#/events/${route.id}`
    case 'stats':
    case 'players':
      return route.id ? `#/${route.screen}/${route.id}` : `#/${route.screen}`
    default:
      return `#/${route.screen}`
  }
}

/** The menu entry a screen belongs to (a claim's detail is under Claims, the editor under Events). */
export const sectionOf = (route: Route): string =>
  route.screen === 'claim' ? 'claims' : route.screen === 'event' ? 'events' : route.screen

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => routeOf(window.location.hash))
  useEffect(() => {
    const follow = () => setRoute(routeOf(window.location.hash))
    window.addEventListener('hashchange', follow)
    return () => window.removeEventListener('hashchange', follow)
  }, [])
  return route
}
